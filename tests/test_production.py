"""The production profile's files (bot/production.py): ports, Rasa's endpoints, nginx's
configuration checked by nginx itself, the Procfile, and the settings it refuses."""

from __future__ import annotations

import dataclasses
import re
import subprocess

import pytest
import yaml
from sqlalchemy import create_engine, make_url, text

from bot import production, settings
from bot.settings import SettingError


@pytest.fixture
def prod_settings(monkeypatch: pytest.MonkeyPatch) -> settings.Settings:
    for setting in settings.SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    monkeypatch.setenv("WAZI_PROFILE", "production")
    monkeypatch.setenv("WAZI_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/wazi")
    monkeypatch.setenv("WAZI_SECRET_KEY", "k" * 32)
    return settings.load()


def test_the_balancers_listen_where_the_local_servers_do_and_replicas_above(prod_settings):
    top = production.topology(prod_settings)
    assert (top.rasa_lb, top.actions_lb, top.nlg_lb) == (5005, 5055, 5056)
    assert top.rasa == (5105, 5106)
    assert top.actions == (5255, 5256)
    assert top.nlg == (5356, 5357)
    assert top.rasa_url == "http://127.0.0.1:5005"


def test_more_replicas_from_the_settings(monkeypatch, prod_settings):
    monkeypatch.setenv("WAZI_RASA_REPLICAS", "3")
    monkeypatch.setenv("WAZI_ACTION_REPLICAS", "4")
    top = production.topology(settings.load())
    assert top.rasa == (5105, 5106, 5107)
    assert top.actions == (5255, 5256, 5257, 5258)
    assert top.nlg == (5356, 5357, 5358, 5359)


def test_ports_that_would_collide_are_refused(monkeypatch, prod_settings):
    monkeypatch.setenv("WAZI_ACTIONS_PORT", "5205")  # its replicas from 5405 ... but
    monkeypatch.setenv("WAZI_NLG_PORT", "5105")  # the NLG balancer is Rasa's first replica
    with pytest.raises(SettingError, match="^WAZI_RASA_URL: .*replicas"):
        production.topology(settings.load())


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("WAZI_PROFILE", "cluster", "expected local or production"),
        ("WAZI_RASA_REPLICAS", "0", "between 1 and 20"),
        ("WAZI_ACTION_REPLICAS", "many", "whole number"),
        ("WAZI_RASA_TOKEN", "short", "at least 32 characters"),
        ("WAZI_RASA_TOKEN", "x" * 31 + "/", "at least 32 characters"),
    ],
)
def test_a_bad_production_setting_is_named(monkeypatch, prod_settings, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingError, match=f"^{name}: .*{message}"):
        settings.load()


def test_rasas_endpoints_use_the_balancer_postgresql_and_redis(prod_settings):
    top = production.topology(prod_settings)
    endpoints = yaml.safe_load(production.endpoints_yaml(prod_settings, top))
    assert endpoints == {
        "action_endpoint": {"url": "http://127.0.0.1:5055/webhook"},
        "nlg": {"url": "http://127.0.0.1:5056/nlg"},
        "tracker_store": {
            "type": "bot.rasa_forgetting.ForgettingSQLTrackerStore",
            "dialect": "postgresql",
            "url": "127.0.0.1:5432",
            "db": "wazi_tracker",
            "login_db": "postgres",
            "username": "postgres",
        },
        "lock_store": {
            "type": "bot.rasa_lock_store.AtomicRedisLockStore",
            "url": "127.0.0.1",
            "port": 6379,
            "db": 1,
            "key_prefix": "wazi",
        },
    }


def test_store_passwords_reach_rasa_and_bad_urls_are_refused():
    tracker = production.tracker_store("postgresql://rasa:s3cret@db.internal:6432/conv")
    assert (tracker["url"], tracker["db"], tracker["password"]) == (
        "db.internal:6432",
        "conv",
        "s3cret",
    )
    lock = production.lock_store("redis://:pw@cache:6380/3", "mfi1")
    assert (lock["url"], lock["port"], lock["db"], lock["password"]) == ("cache", 6380, 3, "pw")
    with pytest.raises(SettingError, match="^WAZI_TRACKER_STORE_URL: "):
        production.tracker_store("sqlite:///rasa.db")
    with pytest.raises(SettingError, match="^WAZI_LOCK_STORE_URL: "):
        production.lock_store("http://cache:6379/1", "wazi")
    with pytest.raises(SettingError, match="^WAZI_LOCK_STORE_PREFIX: "):
        production.lock_store("redis://cache:6379/1", "wazi-prod")


def test_nginx_accepts_the_configuration(prod_settings, tmp_path):
    top = production.write(prod_settings, tmp_path)
    conf = (tmp_path / "nginx.conf").read_text()
    for port in (*top.rasa, *top.actions, *top.nlg):
        assert f"server 127.0.0.1:{port} " in conf
    # each balancer sends a request to the replica with the fewest in progress
    upstreams = re.findall(r"upstream (\w+) \{\n    least_conn;\n", conf)
    assert upstreams == ["wazi_rasa", "wazi_actions", "wazi_nlg"], conf
    checked = subprocess.run(
        [production.nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_the_procfile_starts_every_replica_and_keeps_the_token_out_of_the_file_and_commands(
    monkeypatch, prod_settings, tmp_path
):
    token = "t" * 40
    monkeypatch.setenv("WAZI_RASA_TOKEN", token)
    loaded = settings.load()
    production.write(loaded, tmp_path)
    procfile = (tmp_path / "Procfile").read_text()
    names = [line.split(":")[0] for line in procfile.splitlines()]
    assert names == ["rasa1", "rasa2", "actions1", "actions2", "nlg1", "nlg2", "nginx", "web"]
    assert "--port 5105 " in procfile and "--port 5106 " in procfile
    assert "--port 5255" in procfile and "WAZI_NLG_PORT=5357 " in procfile
    # the API is on; its token reaches Rasa in the environment (bot/rasa_server.py reads it)
    assert procfile.count("--enable-api") == 2
    assert token not in procfile and "--auth-token" not in procfile
    without = dataclasses.replace(loaded, rasa_token=None)
    assert "--enable-api" not in production.procfile(
        without, production.topology(without), tmp_path
    )


def test_sqlite_or_no_session_key_is_refused(prod_settings, tmp_path):
    with pytest.raises(SettingError, match="^WAZI_DATABASE_URL: .*PostgreSQL"):
        production.write(
            dataclasses.replace(prod_settings, database_url="sqlite:///x.db"), tmp_path
        )
    with pytest.raises(SettingError, match="^WAZI_SECRET_KEY: "):
        production.write(dataclasses.replace(prod_settings, secret_key=None), tmp_path)
    assert not (tmp_path / "Procfile").exists()


@pytest.mark.postgres
def test_the_database_is_created_once(postgres_admin_url):
    name = "wazi_prod_create_test"
    url = make_url(postgres_admin_url).set(database=name).render_as_string(False)
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        assert production.ensure_database(url) is True
        assert production.ensure_database(url) is False
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_an_unreachable_postgresql_is_one_line():
    with pytest.raises(SettingError, match="^WAZI_DATABASE_URL: cannot reach PostgreSQL"):
        production.ensure_database("postgresql+psycopg://postgres@127.0.0.1:1/wazi")
