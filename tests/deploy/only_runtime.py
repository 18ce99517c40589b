"""Run a Python script as the image would, where only the runtime pins are installed: every top-level module that
belongs only to a distribution left out of the image (pytest, moto, Playwright...) cannot be imported.

    python tests/deploy/only_runtime.py runtime.txt manage.py check --deploy
"""

import importlib.util
import re
import runpy
import sys
from importlib import metadata
from importlib.abc import MetaPathFinder


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class LeftOut(MetaPathFinder):
    def __init__(self, modules: set[str]):
        self.modules = modules

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.modules:
            raise ModuleNotFoundError(f"No module named {fullname!r} (not installed in the image)", name=fullname)
        return None


def main() -> None:
    pins_file, script, *args = sys.argv[1:]
    kept = {normalized(line.split("==")[0]) for line in open(pins_file) if "==" in line}
    left_out = {module for module, dists in metadata.packages_distributions().items()
                if not any(normalized(d) in kept for d in dists)}
    left_out -= set(sys.stdlib_module_names) | {"_distutils_hack", "pip", "setuptools", "pkg_resources"}
    sys.meta_path.insert(0, LeftOut(left_out))
    # A probe (importlib.util.find_spec: "is pydantic_core installed?", as yarl asks under pyHanko's aiohttp) answers
    # None in the image; only an import of a module left out fails.
    real_find_spec = importlib.util.find_spec

    def find_spec(name, package=None):
        return None if name.split(".")[0] in left_out else real_find_spec(name, package)

    importlib.util.find_spec = find_spec
    sys.argv = [script, *args]
    sys.path.insert(0, ".")
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
