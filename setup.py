"Packaging for gmm-adaptive: every setting lives in settings.ini (nbdev 2), this file only reads it."
from configparser import ConfigParser
from setuptools import find_packages, setup

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
c = cfg['DEFAULT']

setup(
    name=c['lib_name'], version=c['version'], description=c['description'],
    long_description=open('README.md', encoding='utf-8').read(), long_description_content_type='text/markdown',
    author=c['author'], author_email=c['author_email'], license='Apache-2.0',
    url=c['git_url'], keywords=c['keywords'].split(), python_requires=f">={c['min_python']}",
    classifiers=['Programming Language :: Python :: 3'],
    packages=find_packages(include=[c['lib_path'], c['lib_path'] + '.*']), include_package_data=True,
    install_requires=c['requirements'].split(),
    extras_require={'dev': c['dev_requirements'].split(), 'cluster': c['cluster_requirements'].split()},   # cluster: submitit (executor='slurm')
    entry_points={'console_scripts': c['console_scripts'].split(),
                  'nbdev': [f"{c['lib_path']}={c['lib_path']}._modidx:d"]},
    zip_safe=False,
)
