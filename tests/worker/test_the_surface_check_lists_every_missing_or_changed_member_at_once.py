"""The surface check of whatsapp_web.py, run by the real init script in a real Chromium on a page of our own: every
member of SURFACE the page lacks or has in another shape is listed at once in the boot report, with the page's
build, and the script hooks nothing; a page with all of them boots with no changes."""

import asyncio
import json

from playwright.async_api import async_playwright

from session_worker import whatsapp_web as wa
from simulator.testing import CHROMIUM_ARGS, chromium_path

URL = "http://wa.test/"


def page_html(*, changed: bool) -> str:
    """A page with every module of SURFACE in its expected shape, or (``changed``) with some missing or changed."""
    modules: dict[str, dict] = {}
    for member in wa.SURFACE:
        holder = modules.setdefault(member.module, {})
        *path, last = member.path.split(".")
        for key in path:
            holder = holder.setdefault(key, {})
        holder[last] = {"value": "1", "object": {}}.get(member.shape, "__FUNCTION__")
    if changed:
        del modules["WAWebCmd"]
        modules["WAWebConnModel"]["Conn"].pop("serialize")
        modules["WAWebCompanionRegClientUtils"]["DEVICE_PLATFORM"] = "__FUNCTION__"
        modules["WAWebUserPrefsMultiDevice"]["getADVSecretKey"] = "__ASYNC__"
    source = json.dumps(modules).replace('"__FUNCTION__"', "function () { return 1; }")
    source = source.replace('"__ASYNC__"', "async function () { return 1; }")
    return f"""<script>
      const modules = {source};
      window.require = (name) => {{
        if (!(name in modules)) throw new Error("unknown " + name);
        return modules[name];
      }};
      setTimeout(() => {{ window.Debug = {{ VERSION: "2.3000.1031000000" }}; }}, 100);
    </script>"""


async def boot_report(html: str) -> dict:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context()
            reports: asyncio.Queue = asyncio.Queue()
            await context.expose_binding(wa.BINDING, lambda _source, kind, data=None: reports.put_nowait((kind, data)))
            await context.add_init_script(script=wa.INIT_SCRIPT)
            await context.route(URL, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
            page = await context.new_page()
            await page.goto(URL)
            while True:
                kind, data = await asyncio.wait_for(reports.get(), 20)
                if kind == "boot":
                    return data
        finally:
            await browser.close()


async def test_every_missing_or_changed_member_is_listed_at_once():
    boot = await boot_report(page_html(changed=True))

    found = {(c["module"], c["member"]): (c["expected"], c["found"]) for c in boot["changes"]}
    print(json.dumps(boot["changes"], indent=1))
    assert boot["version"] == "2.3000.1031000000"
    assert found == {
        ("WAWebCmd", "Cmd.on"): ("sync function", "missing module"),
        ("WAWebConnModel", "Conn.serialize"): ("sync function", "missing"),
        ("WAWebCompanionRegClientUtils", "DEVICE_PLATFORM"): ("value", "sync function"),
        ("WAWebUserPrefsMultiDevice", "getADVSecretKey"): ("sync function", "async function"),
    }
    assert wa.parse_boot(boot).changes and wa.parse_boot(boot).build == "2.3000.1031000000"


async def test_a_page_with_every_member_boots_with_no_changes():
    boot = await boot_report(page_html(changed=False))

    assert boot["changes"] == [] and boot["version"] == "2.3000.1031000000"
    assert not wa.parse_boot(boot).changes
