"""A membership that ends closes the user's open sockets on that workspace."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from backend.accounts.models import Membership
from backend.live import broadcast


@receiver(post_delete, sender=Membership)
def close_sockets_of_removed_member(sender, instance: Membership, **kwargs) -> None:
    broadcast.membership_revoked(user_id=instance.user_id, workspace_id=instance.workspace_id)
