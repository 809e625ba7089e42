"""The built wheel works away from the checkout: data, quiz banks, geodesy."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from kit_testing import REPO


def test_wheel_ships_the_datasets_and_loads_them(tmp_path):
    wheel_dir = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "-w", str(wheel_dir), str(REPO)], check=True, timeout=300)
    (wheel,) = wheel_dir.glob("eastasia_security_kit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "eastasia_security/_bundled/datasets/datapackage.json" in names
    assert "eastasia_security/_bundled/datasets/missile_launches.csv" in names
    assert "eastasia_security/_bundled/quizzes/gsomia.yml" in names
    # The offline web assets (npm layout, dist/ folders included) and the basemap, with licences.
    assert "eastasia_security/assets/web/leaflet@1.9.3/dist/leaflet.js" in names
    assert "eastasia_security/assets/web/leaflet@1.9.3/LICENSE.txt" in names
    assert "eastasia_security/assets/basemap/region_core_10m.geojson" in names

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet",
                    "--target", str(target), str(wheel)], check=True, timeout=300)
    probe = (
        "import eastasia_security, eastasia_security.paths as p, eastasia_security.data as d;"
        "print(eastasia_security.__file__);print(p.datasets_dir());"
        "print(len(d.load('missile_launches')));"
        "import eastasia_security.quiz as q, eastasia_security.geo as g;"
        "print(p.quizzes_dir());print(len(q.load_bank('gsomia').questions));"
        "print(round(g.distance_km('pyongyang', 'tokyo')));"
        "import eastasia_security.maps as m, re;h=m.full_map().get_root().render();"
        "print(len(re.findall(r'<script[^>]*src=.http', h)), 'kit-basemap-land' in h)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("EASTASIA_SECURITY_DATASETS", "EASTASIA_SECURITY_QUIZZES")}
    env["PYTHONPATH"] = str(target)
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    module_file, datasets, rows, quizzes, questions, km, cdn_scripts, basemap = done.stdout.split()
    assert Path(module_file).is_relative_to(target)
    assert Path(datasets).is_relative_to(target), "the installed copy must use its bundled datasets"
    assert int(rows) > 50
    assert Path(quizzes).is_relative_to(target), "and its bundled quiz banks"
    assert int(questions) >= 10 and int(km) == 1287
    assert cdn_scripts == "0" and basemap == "True", "maps from the installed wheel need no network"
