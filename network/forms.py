from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm

from network.models import Member


class MemberCreationForm(BaseUserCreationForm):
    class Meta:
        model = Member
        fields = ["email", "name"]


class MemberChangeForm(UserChangeForm):
    class Meta:
        model = Member
        fields = "__all__"
