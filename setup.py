"""Packaging glue that pyproject.toml cannot express: the paper's proofs live in the
top-level ``proofs/`` directory of the checkout and are installed as the package
``fepproof._proofs`` (so ``fepproof prove`` works from any directory after
``pip install``)."""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["fepproof", "fepproof.*"]) + ["fepproof._proofs"],
    package_dir={"fepproof._proofs": "proofs"},
)
