"""README's install guide, followed step by step on a fresh `wagtail start`
site (issue 15 Build 8, issue 13 Build 4): build the wheel, install it into
a new virtualenv (the wheel's own copy of the package, not this checkout),
apply docs/host_settings.py (which README quotes), migrate, create the two
spaces and the buttons, import the sample export, activate the sample
client through the mail runserver prints, open the dashboard. Then the
screens on the stock base template in Chromium: screenshots at 1280 and
360 px (docs/screenshots/host/ with `make screenshots`), and bounds on the
buttons' height and the containers' width.

One `wagtail start` site serves every test of this module (module fixture).
"""

import json
import os
import quopri
import re
import shutil
import subprocess
import sys
import sysconfig
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT, _stop_process, free_port, start_process, wait_until
from .screens import screenshot_dir

pytestmark = [pytest.mark.integration]

SAMPLE_EMAIL = "anne.exemple@example.org"
SAMPLE_CODE = "CLI-SAMPLE1"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def run(cmd, *, cwd, env, timeout=600):
    done = subprocess.run([str(part) for part in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{cmd} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


def tree_artifacts():
    """Build leftovers a wheel build could write into the checkout."""
    return sorted(str(path.relative_to(ROOT)) for pattern in ("build", "dist", "*.egg-info", "aquatiris_portal/*.egg-info")
                  for path in ROOT.glob(pattern))


def readme_urls_line():
    block = re.search(r"```python\n# urls\.py[^\n]*\n(.*?)```", README, re.S)
    assert block, "README has no urls.py block"
    return block.group(1).strip()


class Host:
    """The fresh site: its folder, its virtualenv's python, its environment."""

    def __init__(self, folder, python, env):
        self.folder, self.python, self.env = folder, python, env

    def manage(self, *args, **kwargs):
        return run([self.python, "manage.py", *args], cwd=self.folder, env=self.env, **kwargs)

    def shell(self, code):
        return self.manage("shell", "-c", code).stdout


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    work = tmp_path_factory.mktemp("host-install")
    before = tree_artifacts()

    # 1. The wheel, built as README says; nothing written into the checkout.
    run([ROOT / "scripts" / "build-wheel.sh", work / "dist"], cwd=ROOT, env=os.environ.copy())
    assert tree_artifacts() == before, "the wheel build wrote into the source tree"
    wheel = next((work / "dist").glob("aquatiris_portal-*.whl"))

    # 2. A new virtualenv: the wheel installed into its own site-packages;
    # the dependencies (Django, Wagtail...) reused from .venv through a .pth
    # line (not processed as a site dir, so .venv's editable install stays out).
    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=work, env=os.environ.copy())
    python = venv / "bin" / "python"
    site_packages = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             cwd=work, env=os.environ.copy()).stdout.strip())
    (site_packages / "_reuse_dev_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", site_packages, wheel],
        cwd=work, env=os.environ.copy())

    env = {key: value for key, value in os.environ.items()
           if key not in {"PYTHONPATH", "DJANGO_SETTINGS_MODULE", "REDIS_URL", "DATABASE_URL", "DEBUG"}
           and not key.startswith(("AQUATIRIS_", "AWS_", "EMAIL_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"

    # 3. `wagtail start`, then README's settings (docs/host_settings.py) and URLs.
    folder = work / "site"
    folder.mkdir()
    run([python, "-m", "wagtail.bin.wagtail", "start", "mysite", folder], cwd=work, env=env)
    settings_file = folder / "mysite" / "settings" / "base.py"
    settings_file.write_text(settings_file.read_text() + "\n" + (ROOT / "docs" / "host_settings.py").read_text())
    urls_file = folder / "mysite" / "urls.py"
    urls = urls_file.read_text()
    catch_all = '    path("", include(wagtail_urls)),'
    assert catch_all in urls
    urls_file.write_text(urls.replace(catch_all, f"    {readme_urls_line()}\n{catch_all}", 1))
    # The buttons on the stock home page, with README's template tag.
    template = folder / "home" / "templates" / "home" / "home_page.html"
    source = template.read_text()
    source = source.replace("{% load static %}", "{% load static portal_access %}", 1)
    source = source.replace("{% endblock extra_css %}",
                            "<link rel=\"stylesheet\" href=\"{% static 'aquatiris_portal/portal.css' %}\">\n"
                            "{% endblock extra_css %}", 1)
    source = source.replace("{% include 'home/welcome_page.html' %}", "{% portal_access_buttons %}", 1)
    assert "{% portal_access_buttons %}" in source and "portal_access %}" in source
    template.write_text(source)

    host = Host(folder, python, env)
    # 4. migrate.
    host.manage("migrate", "--noinput", "-v0")
    yield host
    shutil.rmtree(work / "venv", ignore_errors=True)


@pytest.fixture(scope="module")
def server(host):
    """runserver as README's development path has it: jobs in process,
    mails printed in its terminal (the console backend of dev.py)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**host.env, "PUBLIC_BASE_URL": base}
    log = host.folder / "runserver.log"
    proc = start_process([host.python, "-u", "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                         log, env=env, cwd=host.folder)
    proc.log_path = log
    try:
        wait_until(lambda: urllib.request.urlopen(base + "/", timeout=2).status == 200, 60, "runserver", proc=proc)
        yield base, log
    finally:
        _stop_process(proc)


@pytest.fixture(scope="module")
def spaces(host):
    # 5. The two space pages under the home page (what an editor does in the admin).
    host.shell(
        "from wagtail.models import Site\n"
        "from aquatiris_portal.pages.client_space import ClientSpacePage\n"
        "from aquatiris_portal.pages.pro_space import ProSpacePage\n"
        "home = Site.objects.get(is_default_site=True).root_page\n"
        "home.add_child(instance=ClientSpacePage(title='Espace client', slug='espace-client'))\n"
        "home.add_child(instance=ProSpacePage(title='Espace pro', slug='espace-pro'))\n"
    )
    # 6. The sample export, imported.
    exports = host.folder / "exports"
    host.manage("portal_sample_export", exports, "--email", SAMPLE_EMAIL)
    out = host.manage("portal_sync", exports).stdout
    assert "Export #0" in out and "quarantined 0" in out.replace("quarantined_count", "quarantined"), out
    return host


def test_the_installed_wheel_is_the_package_without_demo_and_check_is_silent(host):
    code = (
        "import importlib, pkgutil, warnings, json, django\n"
        "django.setup()\n"
        "import aquatiris_portal\n"
        "names = []\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    for module in pkgutil.walk_packages(aquatiris_portal.__path__, 'aquatiris_portal.'):\n"
        "        importlib.import_module(module.name); names.append(module.name)\n"
        "ours = [str(w.message) for w in caught if 'aquatiris_portal' in (w.filename or '')]\n"
        "print(json.dumps({'file': aquatiris_portal.__file__, 'modules': names, 'warnings': ours}))\n"
    )
    done = run([host.python, "-c", code], cwd=host.folder, env={**host.env, "DJANGO_SETTINGS_MODULE": "mysite.settings.dev"})
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "/venv/" in result["file"] and str(ROOT) not in result["file"], result["file"]
    assert len(result["modules"]) > 50 and result["warnings"] == []
    assert not [name for name in result["modules"] if re.search(r"demo|bench|testing", name)]

    commands = host.manage("help", "--commands").stdout.split()
    assert "portal_sample_export" in commands and "portal_sync" in commands
    assert "portal_demo" not in commands and "portal_bench_data" not in commands

    checked = host.manage("check")
    assert "System check identified no issues" in checked.stdout, checked.stdout + checked.stderr
    assert "aquatiris_portal." not in checked.stdout + checked.stderr

    # Production settings without Redis: the development mode is refused, with its id and hint.
    production = subprocess.run([host.python, "manage.py", "check", "--settings", "mysite.settings.production"],
                                cwd=host.folder, env=host.env, capture_output=True, text=True, timeout=300)
    assert production.returncode != 0
    assert "aquatiris_portal.E003" in production.stderr and "HINT" in production.stderr
    with_redis = run([host.python, "manage.py", "check", "--settings", "mysite.settings.production"],
                     cwd=host.folder, env={**host.env, "REDIS_URL": "redis://127.0.0.1:6390/0"})
    assert "aquatiris_portal." not in with_redis.stdout + with_redis.stderr


def test_readme_path_activates_the_sample_client_through_the_printed_mail(spaces, server, browser):
    base, log = server
    home = urllib.request.urlopen(base + "/", timeout=10).read().decode()
    assert 'href="/espace-client/"' in home and 'href="/espace-pro/"' in home

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(base + "/portail/premiere-connexion/")
        page.fill("input[name=email]", SAMPLE_EMAIL)
        page.fill("input[name=code]", SAMPLE_CODE)
        page.click("form.aqp-form button[type=submit]")
        # 7. The activation mail, printed by runserver's in-process worker.
        # (quoted-printable: decoded as a mail client would)
        link = wait_until(lambda: re.search(rf"{re.escape(base)}/portail/premiere-connexion/lien/[^/\s]+/",
                                            quopri.decodestring(log.read_bytes()).decode(errors="replace")),
                          30, "the activation mail")
        page.goto(link.group(0))
        page.click("form:has(input[name=choice][value=generated]) button[type=submit]")
        # 8. The dashboard.
        page.wait_for_url(re.compile(r".*/espace-client/$"))
        assert "AQ-2024-900001" in page.content()
        state = context.storage_state()
    finally:
        context.close()
    (spaces.folder / "client-state.json").write_text(json.dumps(state))


def _spanc_state(host, base):
    """A SPANC session past its second factor (the SPANC's own mail path is
    tested in test_accounts_browser.py): made with the host's manage.py."""
    out = host.shell(
        "from importlib import import_module\n"
        "from django.conf import settings\n"
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model\n"
        "from django.utils import timezone\n"
        "from django_otp import DEVICE_ID_SESSION_KEY\n"
        "from django_otp.plugins.otp_email.models import EmailDevice\n"
        "from aquatiris_portal.models import PortalAccount, Spanc\n"
        "spanc = Spanc.objects.get(code='PRO-SAMPLE1')\n"
        "user = get_user_model().objects.create_user(spanc.email, spanc.email, None)\n"
        "PortalAccount.objects.create(user=user, spanc=spanc, activated_at=timezone.now())\n"
        "device = EmailDevice.objects.create(user=user, name='email', confirmed=True)\n"
        "session = import_module(settings.SESSION_ENGINE).SessionStore()\n"
        "session[SESSION_KEY] = str(user.pk)\n"
        "session[BACKEND_SESSION_KEY] = 'aquatiris_portal.accounts.backends.EmailBackend'\n"
        "session[HASH_SESSION_KEY] = user.get_session_auth_hash()\n"
        "session[DEVICE_ID_SESSION_KEY] = device.persistent_id\n"
        "session.create()\n"
        "print('SESSION', settings.SESSION_COOKIE_NAME, session.session_key)\n"
    )
    _, name, key = re.search(r"^SESSION (\S+) (\S+)$", out, re.M).group(0).split()
    return {"cookies": [{"name": name, "value": key, "url": base}], "origins": []}


MEASURE = """() => {
  const out = {vw: document.documentElement.clientWidth,
               overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
               containers: [], buttons: []};
  for (const el of document.querySelectorAll('.aqp, .aqp-access')) {
    const r = el.getBoundingClientRect();
    out.containers.push({cls: el.className, left: r.left, right: r.right, width: r.width});
  }
  for (const el of document.querySelectorAll('.aqp-button:not(.aqp-button--link)')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const range = document.createRange(); range.selectNodeContents(el);
    const rects = [...range.getClientRects()].filter(t => t.height > 0);
    if (!rects.length) continue;
    const top = Math.min(...rects.map(t => t.top)), bottom = Math.max(...rects.map(t => t.bottom));
    const lines = new Set(rects.map(t => Math.round(t.top))).size;
    out.buttons.push({text: el.textContent.trim().slice(0, 40), height: r.height, lines,
                      offset: Math.abs((top + bottom) / 2 - (r.top + r.bottom) / 2)});
  }
  return out;
}"""


def check_bounds(page, name):
    """Buttons: at least 44 px, one line of text at most 52 px, text centred;
    the container: centred, no wider than 72rem (1152 px) nor the screen,
    and no sideways scrolling."""
    measured = page.evaluate(MEASURE)
    assert measured["overflow"] <= 0, f"{name} scrolls sideways by {measured['overflow']} px"
    assert measured["buttons"], f"{name}: no button measured"
    for button in measured["buttons"]:
        assert button["height"] >= 44, (name, button)
        if button["lines"] == 1:
            assert button["height"] <= 52, (name, button)
        assert button["offset"] <= 3, (name, button)
    portal = [c for c in measured["containers"] if c["cls"].split()[0] == "aqp"]
    for container in portal:
        assert container["width"] <= min(1152, measured["vw"]) + 0.5, (name, container)
        margin_left, margin_right = container["left"], measured["vw"] - container["right"]
        assert abs(margin_left - margin_right) <= 2, (name, container)
        if measured["vw"] >= 1280:
            assert container["width"] >= 1100, (name, container)
    return measured


def test_screens_on_the_stock_base_template(spaces, server, browser):
    base, _log = server
    state_file = spaces.folder / "client-state.json"
    if not state_file.exists():
        pytest.skip("needs the activated client of test_readme_path_activates_the_sample_client_through_the_printed_mail")
    folder = screenshot_dir() / "host"
    folder.mkdir(parents=True, exist_ok=True)
    shots = [
        ("home", json.loads(state_file.read_text()), "/"),
        ("client-dashboard", json.loads(state_file.read_text()), "/espace-client/"),
        ("pro-folders", _spanc_state(spaces, base), "/espace-pro/"),
    ]
    for name, state, path in shots:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR", storage_state=state)
        page = context.new_page()
        try:
            for width in (1280, 360):
                page.set_viewport_size({"width": width, "height": 900})
                response = page.goto(base + path)
                assert response.status == 200 and path in page.url, (name, page.url)
                if name == "pro-folders":
                    assert "AQ-2024-900001" in page.content() and "AQ-2025-900002" in page.content()
                check_bounds(page, f"{name} at {width}px")
                if name != "home":
                    page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
        finally:
            context.close()
