"""The shop, targets and outage behind fixtures/state_v2.sql: a state file written
by shopkit 0.1.0 as it stood before lib/ was restructured (schema version 2).

test_state_upgrade.py runs today's programs against that file. To write the
fixture again, build the old version (git worktree add /tmp/old 42621e3, then
scripts/build.sh there) and run:

    SHOPKIT_BIN=/tmp/old/build/tools /usr/bin/python3 old_state.py fixtures/state_v2.sql

The old programs then see the cart fail twice (an incident opens), tell Slack
and Mastodon, and fail to tell Telegram (left pending in the outbox).
"""

import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fake_chat  # noqa: E402
import helpers  # noqa: E402

SECRET_ENV = {"T_MASTODON": fake_chat.MASTODON_TOKEN, "T_TELEGRAM": fake_chat.TELEGRAM_TOKEN}


def config(fixture, fake):
    """The shop.toml both the old and today's programs read."""
    targets = [
        {"id": "slack-staff", "kind": "slack", "url_env": "T_SLACK"},
        {"id": "telegram-staff", "kind": "telegram", "api_base": fake.base,
         "token_env": "T_TELEGRAM", "chat_id": fake_chat.TELEGRAM_CHAT},
        {"id": "mastodon-customers", "kind": "mastodon", "audience": "customers",
         "api_base": fake.base, "token_env": "T_MASTODON"},
    ]
    lines = []
    for t in targets:
        lines += ["[[target]]"] + [f"{k} = {helpers.toml_value(v)}" for k, v in t.items()]
        lines += ['timeout = "3s"', ""]
    return helpers.shop_config(
        [{"id": "own", "name": "公式ショップ", "url": fixture.url("/ok"),
          "checks": [{"id": "top", "url": fixture.url("/ok")},
                     {"id": "cart", "url": fixture.url("/flip/cart"), "critical": True}]},
         {"id": "mall", "name": "楽天店", "url": fixture.url("/flip/mall"),
          "checks": [{"id": "top", "url": fixture.url("/flip/mall")}]}],
        shop={"name": "テスト商店", "language": "ja"},
        policy={"fail_after": 2, "recover_after": 1, "customer_delay": "10m"},
        extra="\n".join(lines))


def environment(sb, fake):
    sb.env.update(SECRET_ENV)
    sb.env["T_SLACK"] = fake.slack_url


def main(out):
    sb = helpers.Sandbox()
    fixture = helpers.Fixture()
    fake = fake_chat.FakeChat()
    try:
        environment(sb, fake)
        sb.config(config(fixture, fake))
        state = sb.path("state.db")
        fixture.control("/flip/cart", 500)
        for _ in range(2):
            check = sb.run("-c", "shop.toml", "--state", state, "--format", "jsonl")
        assert check.status == 2, check
        fake.script("telegram", 500)
        told = sb.announce("-c", "shop.toml", "--state", state, "--format", "jsonl",
                           stdin=check.stdout)
        assert told.status == 75, told
        db = sqlite3.connect(state)
        with open(out, "w", encoding="utf-8") as f:
            f.write("-- A state file written by shopkit 0.1.0 (schema 2): see old_state.py.\n")
            for line in db.iterdump():
                f.write(line + "\n")
        db.close()
    finally:
        fake.stop()
        fixture.stop()
        sb.cleanup()


if __name__ == "__main__":
    main(sys.argv[1])
