"""PyGithub against the GitHub clone: people -- a user by id, followers and
following (and the counts on user objects), email addresses, SSH keys;
organization invitations accepted through the invitee's membership, outside
collaborators, public members and organization webhooks that hear the org's
repositories -- each as a PyGithub user would call them.

This file spins its own clone on ports 4960-4969."""

import base64
import json
import struct
import time

import pytest
from github import GithubException

from github_support import HookSink, client, login_token, own_clone, unique, verify_signature


@pytest.fixture(scope="module")
def gh_clone():
    yield from own_clone(4960)


def as_user(gh_clone, login):
    return client(gh_clone, login_token(gh_clone, login))


def ed25519_key(seed: int, comment: str = "") -> tuple[str, str]:
    """An OpenSSH `ssh-ed25519` public key line, and the form GitHub stores."""
    blob = b"".join(struct.pack(">I", len(f)) + f for f in (b"ssh-ed25519", bytes([seed]) * 32))
    stored = "ssh-ed25519 " + base64.b64encode(blob).decode()
    return (stored + (" " + comment if comment else "")), stored


def test_following_someone_shows_in_both_lists_and_the_counts(gh, gh_clone):
    me = gh.get_user()
    lee = gh.get_user("lee")
    assert lee.followers == 0
    me.add_to_following(lee)
    assert me.has_in_following(lee)
    assert [u.login for u in me.get_following()] == ["lee"]
    assert [u.login for u in lee.get_followers()] == ["dana"]
    assert gh.get_user("dana").has_in_following(lee)
    assert gh.get_user("lee").followers == 1
    assert gh.get_user().following == 1
    by_id = gh.get_user_by_id(lee.id)
    assert by_id.login == "lee" and by_id.followers == 1

    lee_gh = as_user(gh_clone, "lee")
    lee_gh.get_user().add_to_following(gh.get_user("dana"))
    assert [u.login for u in me.get_followers()] == ["lee"]

    me.remove_from_following(lee)
    assert not me.has_in_following(lee)
    assert gh.get_user("lee").followers == 0
    with pytest.raises(GithubException) as e:
        gh.get_user_by_id(99999999).login
    assert e.value.status == 404


def test_emails_start_with_the_seeded_primary(gh, gh_clone):
    me = gh.get_user()
    emails = me.get_emails()
    assert [(e.email, e.primary, e.verified, e.visibility) for e in emails] == [("dana@acme.test", True, True, "public")]
    extra = f"{unique('dana')}@home.test"
    me.add_to_emails(extra)
    listed = {e.email: e for e in me.get_emails()}
    assert extra in listed and listed[extra].primary is False and listed[extra].verified is False
    with pytest.raises(GithubException) as e:
        me.add_to_emails("lee@acme.test")
    assert e.value.status == 422 and e.value.data["errors"][0]["message"] == "email is already in use"
    with pytest.raises(GithubException) as e:
        me.add_to_emails("not-an-address")
    assert e.value.status == 422
    with pytest.raises(GithubException) as e:
        me.remove_from_emails("dana@acme.test")
    assert e.value.status == 422
    me.remove_from_emails(extra)
    assert [e.email for e in me.get_emails()] == ["dana@acme.test"]


def test_ssh_keys_are_validated_and_listed(gh, gh_clone):
    me = gh.get_user()
    line, stored = ed25519_key(3, "dana@laptop")
    key = me.create_key("laptop", line)
    assert key.key == stored and key.title == "laptop" and key.verified is True
    assert me.get_key(key.id).key == stored
    assert [k.id for k in me.get_keys()] == [key.id]
    assert [k.key for k in gh.get_user("dana").get_keys()] == [stored]
    with pytest.raises(GithubException) as e:
        me.create_key("bad", "ssh-rsa AAAAB3NzaC1yc2E= not-really")
    assert e.value.status == 422
    assert e.value.data["errors"][0]["message"] == "key is invalid. You must supply a key in OpenSSH public key format"
    with pytest.raises(GithubException) as e:
        as_user(gh_clone, "lee").get_user().create_key("copy", line)
    assert e.value.status == 422 and e.value.data["errors"][0]["message"] == "key is already in use"
    key.delete()
    with pytest.raises(GithubException) as e:
        me.get_key(key.id)
    assert e.value.status == 404


def test_an_invitation_is_accepted_through_the_membership(gh, gh_clone):
    acme = gh.get_organization("acme")
    team = acme.create_team(unique("Guests"))
    olly = gh.get_user("olly")
    acme.invite_user(user=olly, role="direct_member", teams=[team])
    pending = list(acme.invitations())
    assert [(i.login, i.role) for i in pending] == [("olly", "direct_member")]
    assert gh.get_organization("acme").get_members().totalCount == 3

    olly_gh = as_user(gh_clone, "olly")
    membership = olly_gh.get_user().get_organization_membership("acme")
    assert membership.state == "pending" and membership.role == "member"
    # PyGithub has no call for accepting; its requester sends the documented PATCH.
    olly_gh.requester.requestJsonAndCheck("PATCH", "/user/memberships/orgs/acme", input={"state": "active"})
    assert olly_gh.get_user().get_organization_membership("acme").state == "active"
    assert acme.has_in_members(olly)
    # The team's creator is its maintainer; the invitation added olly.
    assert [u.login for u in team.get_members()] == ["dana", "olly"]
    assert list(acme.invitations()) == []

    # Only owners invite; an invitee who is already a member is refused.
    with pytest.raises(GithubException) as e:
        as_user(gh_clone, "lee").get_organization("acme").invite_user(email="someone@else.test")
    assert e.value.status == 404
    with pytest.raises(GithubException) as e:
        acme.invite_user(user=olly)
    assert e.value.status == 422

    acme.invite_user(email="friend@else.test", role="admin")
    invitation = next(i for i in acme.invitations() if i.email == "friend@else.test")
    assert invitation.login is None and invitation.role == "admin"
    assert acme.cancel_invitation(invitation) is True
    assert list(acme.invitations()) == []


def test_outside_collaborators_and_public_members(gh, gh_clone):
    acme = gh.get_organization("acme")
    secret = gh.get_repo("acme/secret-plans")
    sam = gh.get_user("sam")
    team = acme.create_team(unique("Planners"))
    team.update_team_repository(secret, "push")
    team.add_membership(sam)
    acme.convert_to_outside_collaborator(sam)
    assert not acme.has_in_members(sam)
    assert [u.login for u in acme.get_outside_collaborators()] == ["sam"]
    assert secret.get_collaborator_permission(sam) == "write"
    with pytest.raises(GithubException) as e:
        acme.remove_outside_collaborator(gh.get_user("lee"))
    assert e.value.status == 422
    assert e.value.data["message"] == "You cannot specify an organization member to remove as an outside collaborator."
    acme.remove_outside_collaborator(sam)
    assert list(acme.get_outside_collaborators()) == []

    lee_acme = as_user(gh_clone, "lee").get_organization("acme")
    lee = gh.get_user("lee")
    lee_acme.add_to_public_members(lee)
    assert [u.login for u in acme.get_public_members()] == ["lee"]
    assert acme.has_in_public_members(lee)
    with pytest.raises(GithubException) as e:
        acme.add_to_public_members(lee)
    assert e.value.status == 403
    lee_acme.remove_from_public_members(lee)
    assert not acme.has_in_public_members(lee)


def test_org_hooks_hear_the_org_repositories(gh, gh_clone):
    acme = gh.get_organization("acme")
    sink = HookSink()
    hook = acme.create_hook("web", {"url": sink.url, "content_type": "json", "secret": "org-secret"}, events=["issues"], active=True)
    try:
        assert hook.config["secret"] == "********" and hook.events == ["issues"]
        headers, body = sink.wait_for("ping")
        assert headers.get("X-GitHub-Hook-Installation-Target-Type") == "organization"
        assert verify_signature("org-secret", body, headers.get("X-Hub-Signature-256"))

        gh.get_repo("acme/hello-world").create_issue(title="The org hears this")
        headers, body = sink.wait_for("issues")
        payload = json.loads(body)
        assert payload["action"] == "opened" and payload["issue"]["title"] == "The org hears this"
        assert payload["repository"]["full_name"] == "acme/hello-world"
        assert verify_signature("org-secret", body, headers.get("X-Hub-Signature-256"))

        assert [h.id for h in acme.get_hooks()] == [hook.id]
        acme.get_hook(hook.id).edit("web", {"url": sink.url, "content_type": "json"}, events=["issues", "push"])
        assert acme.get_hook(hook.id).events == ["issues", "push"]
        hook.ping()
        summaries = []
        for _ in range(100):
            summaries = list(acme.get_hook_deliveries(hook.id))
            if len([s for s in summaries if s.event == "ping"]) >= 2:
                break
            time.sleep(0.05)
        issues = next(s for s in summaries if s.event == "issues")
        one = acme.get_hook_delivery(hook.id, issues.id)
        assert one.request.payload["issue"]["title"] == "The org hears this"
        with pytest.raises(GithubException) as e:
            as_user(gh_clone, "lee").get_organization("acme").get_hooks().totalCount
        assert e.value.status == 404
        with pytest.raises(GithubException) as e:
            acme.create_hook("web", {"url": "ftp://example.test"})
        assert e.value.status == 422
    finally:
        acme.delete_hook(hook.id)
        sink.close()
    with pytest.raises(GithubException) as e:
        acme.get_hook(hook.id)
    assert e.value.status == 404


def test_add_to_members_invites_until_the_user_accepts(gh, gh_clone):
    # Runs after sam became an outside collaborator and was removed: not a member.
    acme = gh.get_organization("acme")
    sam = gh.get_user("sam")
    assert not acme.has_in_members(sam)
    with pytest.raises(GithubException) as e:
        as_user(gh_clone, "lee").get_organization("acme").add_to_members(sam, "member")
    assert e.value.status == 403
    with pytest.raises(GithubException) as e:
        acme.add_to_members(sam, "owner")
    assert e.value.status == 422 and e.value.data["errors"][0]["field"] == "role"

    acme.add_to_members(sam, "admin")
    membership = sam.get_organization_membership("acme")
    assert (membership.state, membership.role) == ("pending", "admin")
    assert not acme.has_in_members(sam)
    assert [(i.login, i.role) for i in acme.invitations()] == [("sam", "admin")]
    acme.add_to_members(sam, "member")
    assert [(i.login, i.role) for i in acme.invitations()] == [("sam", "direct_member")]

    sam_gh = as_user(gh_clone, "sam")
    sam_gh.requester.requestJsonAndCheck("PATCH", "/user/memberships/orgs/acme", input={"state": "active"})
    assert acme.has_in_members(sam)
    assert sam.get_organization_membership("acme").role == "member"
    assert list(acme.invitations()) == []
    # A member's role changes at once.
    acme.add_to_members(sam, "admin")
    membership = sam.get_organization_membership("acme")
    assert (membership.state, membership.role) == ("active", "admin")
    acme.add_to_members(sam, "member")
    assert sam.get_organization_membership("acme").role == "member"


def test_a_team_membership_for_an_outsider_is_pending_until_they_accept(gh, gh_clone):
    acme = gh.get_organization("acme")
    olly = gh.get_user("olly")
    acme.remove_from_members(olly)  # an earlier test made olly a member
    assert not acme.has_in_members(olly)
    team = acme.create_team(unique("Writers"))
    team.add_membership(gh.get_user("lee"), "maintainer")
    assert team.get_team_membership("lee").state == "active"

    # A team maintainer who is no org owner cannot invite someone outside the org.
    lee_team = as_user(gh_clone, "lee").get_organization("acme").get_team_by_slug(team.slug)
    with pytest.raises(GithubException) as e:
        lee_team.add_membership(olly)
    assert e.value.status == 403
    with pytest.raises(GithubException) as e:
        team.get_team_membership("olly")
    assert e.value.status == 404
    assert list(acme.invitations()) == []

    # The owner's request invites olly to the org with the team: pending until accepted.
    team.add_membership(olly)
    membership = team.get_team_membership(olly)
    assert (membership.state, membership.role) == ("pending", "member")
    assert not team.has_in_members(olly)
    assert sorted(u.login for u in team.get_members()) == ["dana", "lee"]
    assert not acme.has_in_members(olly)
    assert [(i.login, i.role) for i in acme.invitations()] == [("olly", "direct_member")]
    assert [i.login for i in team.invitations()] == ["olly"]
    olly_gh = as_user(gh_clone, "olly")
    assert olly_gh.get_user().get_organization_membership("acme").state == "pending"

    olly_gh.requester.requestJsonAndCheck("PATCH", "/user/memberships/orgs/acme", input={"state": "active"})
    membership = team.get_team_membership(olly)
    assert (membership.state, membership.role) == ("active", "member")
    assert team.has_in_members(olly)
    assert acme.has_in_members(olly)
    assert list(acme.invitations()) == []
    # A member's role changes at once.
    team.add_membership(olly, "maintainer")
    assert team.get_team_membership(olly).role == "maintainer"
