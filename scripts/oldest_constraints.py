"""Print pip constraints pinning every dependency of setup.cfg's
install_requires to the release series of its lower bound: ``Django>=5.2,<6.2``
gives ``Django==5.2.*``, ``wagtail>=7.4,<9`` gives ``wagtail==7.4.*``,
``pypdf>=7.1`` gives ``pypdf==7.1.*``. Used by scripts/bootstrap-oldest.sh
for `make test-oldest`: setup.cfg stays the one place the supported range
is written."""

import configparser
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def constraints(setup_cfg=ROOT / "setup.cfg"):
    parser = configparser.ConfigParser()
    parser.read(setup_cfg)
    lines = []
    for requirement in parser["options"]["install_requires"].strip().splitlines():
        match = re.match(r"^\s*([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*>=\s*([0-9][0-9.]*)", requirement)
        if match:
            name, lower = match.groups()
            lines.append(f"{name}=={lower}.*" if lower.count(".") < 2 else f"{name}=={lower}")
    return lines


if __name__ == "__main__":
    sys.stdout.write("\n".join(constraints()) + "\n")
