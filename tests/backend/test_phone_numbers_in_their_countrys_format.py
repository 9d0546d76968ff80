"""Phone numbers are shown in the international format of the number's own country (the phonenumbers library),
in the API (``phone_number_display``, beside the digits) and on the settings page's first paint."""

import pytest

from backend.accounts.phone_numbers import phone_number_display
from tests.backend.testkit import logged_in, make_connected

NUMBERS = {
    "5511999990000": "+55 11 99999-0000",  # Brazil, the example
    "6281234567890": "+62 812-3456-7890",  # Indonesia
    "14155550100": "+1 415-555-0100",  # United States
    "447911123456": "+44 7911 123456",  # United Kingdom
    "4915123456789": "+49 1512 3456789",  # Germany
    "33612345678": "+33 6 12 34 56 78",  # France
    "919876543210": "+91 98765 43210",  # India
    "971501234567": "+971 50 123 4567",  # United Arab Emirates
}


@pytest.mark.parametrize(("digits", "shown"), NUMBERS.items())
def test_each_number_is_written_as_its_country_writes_it(digits, shown):
    assert phone_number_display(digits) == shown


def test_a_number_no_country_knows_is_shown_as_its_digits():
    assert phone_number_display("99912345") == "+99912345"
    assert phone_number_display("123") == "+123"
    assert phone_number_display(None) == phone_number_display("") == ""


@pytest.mark.django_db
def test_the_api_and_the_first_paint_show_the_formatted_number(owner, workspace):
    make_connected(workspace, phone_number="5511999990000", is_primary=True)
    client = logged_in(owner)
    [account] = client.get(f"/api/v1/workspaces/{workspace.pk}/accounts").json()
    assert account["phone_number"] == "5511999990000"
    assert account["phone_number_display"] == "+55 11 99999-0000"
    page = client.get(f"/settings/whatsapp-accounts?workspace={workspace.pk}").content.decode()
    assert "+55 11 99999-0000</h3>" in page
    assert "+55 119-9999-0000" not in page
