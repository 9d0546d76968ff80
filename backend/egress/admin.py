"""Staff set a workspace's proxy, or an account's own, here. The password field never shows the stored password:
left empty it keeps it (while the username stays the same), "Remove the password" clears it. Saving goes through
the services, which check the proxy (``shared.proxy.proxy_parse``) and seal the password."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from backend.egress import services
from backend.egress.models import Proxy
from shared.proxy import InvalidProxy, proxy_parse


class ProxyForm(forms.ModelForm):
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Never shown. Empty: the stored one is kept (while the username stays the same).",
    )
    clear_password = forms.BooleanField(required=False, label="Remove the password")

    class Meta:
        model = Proxy
        fields = ["workspace", "account", "scheme", "host", "port", "username"]

    def clean(self) -> dict:
        data = super().clean()
        if bool(data.get("workspace")) == bool(data.get("account")):
            raise forms.ValidationError("Choose a workspace or an account (one of the two).")
        if self.errors:
            return data
        host = data["host"]
        data["url"] = f"{data['scheme']}://{f'[{host}]' if ':' in host else host}:{data['port']}"
        given = data.get("password") or ""
        if data.get("clear_password"):
            data["password_to_set"] = ""
        elif given:
            data["password_to_set"] = given
        else:
            data["password_to_set"] = None  # kept, if the username stays the same
        try:  # the kept password's presence is checked by the service; here the rest (SOCKS5 and credentials...)
            proxy_parse(data["url"], username=data.get("username") or "", password=given)
        except InvalidProxy as exc:
            raise forms.ValidationError(str(exc)) from None
        return data


@admin.register(Proxy)
class ProxyAdmin(admin.ModelAdmin):
    form = ProxyForm
    list_display = ["id", "server", "workspace", "account", "username", "has_password", "updated_at"]
    list_select_related = ["workspace", "account"]
    raw_id_fields = ["account"]
    search_fields = ["host", "workspace__name", "account__session_id", "account__phone_number"]
    fields = ["workspace", "account", "scheme", "host", "port", "username", "password", "clear_password"]

    @admin.display(boolean=True, description="password")
    def has_password(self, proxy: Proxy) -> bool:
        return proxy.has_password

    def save_model(self, request, obj: Proxy, form: ProxyForm, change: bool) -> None:
        data = form.cleaned_data
        if change:  # moved to another owner: the old owner's row goes
            Proxy.objects.filter(pk=obj.pk).exclude(workspace=data["workspace"], account=data["account"]).delete()
        owner = {"workspace_id": data["workspace"].pk} if data["workspace"] else {"account_id": data["account"].pk}
        setter = services.workspace_proxy_set if data["workspace"] else services.account_proxy_set
        try:
            saved = setter(
                **owner, url=data["url"], username=data.get("username") or "", password=data["password_to_set"]
            )
        except InvalidProxy as exc:
            self.message_user(request, f"Not saved: {exc}", level="error")
            return
        obj.pk = saved.pk
        obj.password_ciphertext = saved.password_ciphertext
