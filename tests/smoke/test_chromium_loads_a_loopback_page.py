"""The system Chromium starts through Playwright and renders a page served on loopback."""

from aiohttp import web
from playwright.async_api import async_playwright

from simulator.testing import CHROMIUM_ARGS, chromium_path


async def test_chromium_renders_a_page_served_on_loopback(aiohttp_server):
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="<title>smoke</title><p id=greeting>hello from loopback</p>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/", hello)
    server = await aiohttp_server(app, host="127.0.0.1")

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(str(server.make_url("/")))
            assert await page.title() == "smoke"
            assert await page.text_content("#greeting") == "hello from loopback"
            assert browser.version.split(".")[0].isdigit()
        finally:
            await browser.close()
