"""The registry of linked devices: kept in its file, checks the secret, remembers logouts."""

from simulator.registry import Registry


def test_devices_survive_reopening_the_file(tmp_path):
    registry = Registry(tmp_path / "devices.sqlite3")
    device, secret = registry.device_link(phone_number="5511999990000", pushname="Ana", platform="android")
    registry.close()

    reopened = Registry(tmp_path / "devices.sqlite3")
    assert reopened.device_authenticate(device_id=device.device_id, secret=secret) == device
    assert [d.device_id for d in reopened.devices()] == [device.device_id]
    reopened.close()


def test_wrong_secret_or_logged_out_device_does_not_authenticate():
    registry = Registry(None)
    device, secret = registry.device_link(phone_number="5511999990000", pushname="Ana", platform="android")

    assert registry.device_authenticate(device_id=device.device_id, secret=secret + "x") is None
    registry.device_log_out(device_id=device.device_id)
    assert registry.device_authenticate(device_id=device.device_id, secret=secret) is None
    assert registry.device_get(device_id=device.device_id).logged_out is True
    registry.close()


def test_lid_is_not_the_phone_number():
    registry = Registry(None)
    device, _ = registry.device_link(phone_number="5511999990000", pushname="Ana", platform="android")
    assert device.lid.isdigit() and device.lid != device.phone_number
    registry.close()
