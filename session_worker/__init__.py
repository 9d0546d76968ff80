"""The session worker: WhatsApp Web sessions in Playwright, reported to the backend as signed webhooks."""
