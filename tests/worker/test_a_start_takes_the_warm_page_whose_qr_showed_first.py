"""Pool pages boot in their own time (2-4 s each on the realistic profile), so the page opened first is not
always the first to show its QR. WhatsApp's side lists the oldest page first (the simulator's phone page: the
top row is "on your settings page"), so a Connect takes the ready page whose first QR showed first, never the
first one opened. A unit test of ``WarmPagePool.take`` on pages that need no browser."""

from session_worker import whatsapp_web as wa
from session_worker.metrics import Metrics
from session_worker.settings import Settings
from session_worker.warm_pages import WarmPage, WarmPagePool
from tests.worker.test_warm_page_pool_size import REQUIRED


class OpenPage:
    """What the pool reads of a page it hands out."""

    is_open = True
    watcher = None
    session_id = None


def warm_page(*, qr_at: float) -> WarmPage:
    warm = WarmPage(OpenPage())
    warm.watch("boot", {"state": wa.UNPAIRED_STATE})
    warm.watch("qr", "2@code")
    warm.qr_at = qr_at
    return warm


def test_the_page_whose_qr_showed_first_is_taken_whatever_the_order_they_opened_in():
    pool = WarmPagePool(settings=Settings.from_env(REQUIRED), host=None, metrics=Metrics.create())
    opened_first, shown_first = warm_page(qr_at=20.0), warm_page(qr_at=10.0)
    pool._pages = [opened_first, shown_first]

    assert pool.take("wa_1") is shown_first.page
    assert pool.take("wa_2") is opened_first.page
    assert pool.take("wa_3") is None
