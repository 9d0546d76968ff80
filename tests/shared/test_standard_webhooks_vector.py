"""The published Standard Webhooks example signs and verifies to the published signature.

Source: the Standard Webhooks specification's reference libraries (github.com/standard-webhooks/
standard-webhooks, libraries/python/tests and the spec's "Signature scheme" example): secret
whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, id msg_p5jXN8AQM9LWM0D4loKWxJek, timestamp 1614265330,
body {"test": 2432232314}.
"""

from shared.signing import sign, verify

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'
PUBLISHED_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_it_produces_the_published_signature():
    headers = sign(SECRET, MSG_ID, TIMESTAMP, BODY)
    assert headers == {
        "webhook-id": MSG_ID,
        "webhook-timestamp": str(TIMESTAMP),
        "webhook-signature": PUBLISHED_SIGNATURE,
    }


def test_it_verifies_the_published_headers_at_their_time():
    headers = {"webhook-id": MSG_ID, "webhook-timestamp": str(TIMESTAMP), "webhook-signature": PUBLISHED_SIGNATURE}
    verify([SECRET], headers, BODY, now=TIMESTAMP)
