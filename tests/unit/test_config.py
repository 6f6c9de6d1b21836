import pytest

from genesys_tui.core.config import Config, ConfigError, load_config


def write(tmp_path, text):
    p = tmp_path / "config.toml"
    p.write_text(text)
    return p


def test_missing_default_file_gives_defaults(tmp_path):
    cfg = load_config(tmp_path / "nope.toml")
    assert cfg.profile().name == "default"
    assert cfg.profile().region == "us_east_1"
    assert cfg.profile().rate_limit_per_minute == 300


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml", explicit=True)


def test_profiles_and_nested_tables(tmp_path):
    p = write(
        tmp_path,
        """
default_profile = "prod"
[profiles.prod]
region = "eu_west_1"
client_id = "abc"
rate_limit_per_minute = 120
[profiles.prod.s3]
bucket = "calls"
[profiles.prod.retry]
max_total_seconds = 30
[profiles.lab]
base_url = "http://127.0.0.1:9000"
""",
    )
    cfg = load_config(p)
    prod = cfg.profile()
    assert (prod.name, prod.region, prod.client_id, prod.rate_limit_per_minute) == (
        "prod",
        "eu_west_1",
        "abc",
        120,
    )
    assert prod.s3.bucket == "calls" and prod.retry.max_total_seconds == 30.0
    assert cfg.profile("lab").base_url == "http://127.0.0.1:9000"


@pytest.mark.parametrize(
    "text, key, problem",
    [
        (
            '[profiles.x]\nrate_limit_per_minute = "fast"',
            "profiles.x.rate_limit_per_minute",
            "expected an integer",
        ),
        ('[profiles.x]\nclientid = "a"', "profiles.x.clientid", "did you mean 'client_id'"),
        ('[ui]\nwaveform = "fancy"', "ui.waveform", "must be one of braille, block, ascii"),
        ('[profiles.x]\nreadonly = "yes"', "profiles.x.readonly", "expected true or false"),
        (
            "[profiles.x]\nrate_limit_per_minute = 0",
            "profiles.x.rate_limit_per_minute",
            "at least 1",
        ),
        ("profiles = 3", "profiles", "expected a table"),
        (
            'default_profile = "ghost"\n[profiles.x]\nregion = "us_east_1"',
            "default_profile",
            "not defined",
        ),
    ],
)
def test_bad_values_name_file_key_and_problem(tmp_path, text, key, problem):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as ei:
        load_config(p)
    msg = str(ei.value)
    assert str(p) in msg and key in msg and problem in msg


def test_invalid_toml_names_the_file_and_line(tmp_path):
    p = write(tmp_path, "[profiles.x\nregion = 1")
    with pytest.raises(ConfigError) as ei:
        load_config(p)
    assert str(p) in str(ei.value) and "invalid TOML" in str(ei.value) and "line 1" in str(ei.value)


def test_unknown_profile_is_an_error_not_a_fallback(tmp_path):
    cfg = load_config(write(tmp_path, '[profiles.prod]\nregion = "us_east_1"'))
    with pytest.raises(ConfigError, match="no such profile.*known: prod"):
        cfg.profile("prdo")


def test_profile_from_environment(tmp_path, monkeypatch):
    cfg = load_config(
        write(tmp_path, '[profiles.a]\nclient_id = "A"\n[profiles.b]\nclient_id = "B"')
    )
    monkeypatch.setenv("GENESYS_TUI_PROFILE", "b")
    assert cfg.profile().client_id == "B"
    assert cfg.profile("a").client_id == "A"


def test_example_config_is_valid_and_documents_every_key():
    from pathlib import Path

    from genesys_tui.core.config import (
        AlertRules,
        BrowseSettings,
        KeyringSettings,
        LoggingSettings,
        MediaSettings,
        Notice,
        Profile,
        QueueRule,
        RetrySettings,
        ReviewSettings,
        S3Target,
        SuperviseSettings,
        UISettings,
        WebhookSettings,
    )

    example = Path(__file__).parents[2] / "config.example.toml"
    cfg = load_config(example, explicit=True)
    assert isinstance(cfg, Config) and cfg.profiles
    text = example.read_text()
    from dataclasses import fields

    tables = (
        "name",
        "profiles",
        "ui",
        "browse",
        "keyring",
        "logging",
        "s3",
        "retry",
        "media",
        "review",
        "supervise",
        "notices",
        "queues",
        "webhook",
        "alerts",
        "keys",
        "colors",
    )
    assert "[ui.keys]" in text
    for cls in (
        Config,
        Profile,
        S3Target,
        RetrySettings,
        UISettings,
        BrowseSettings,
        KeyringSettings,
        LoggingSettings,
        MediaSettings,
        ReviewSettings,
        SuperviseSettings,
        QueueRule,
        WebhookSettings,
        AlertRules,
        Notice,
    ):
        for f in fields(cls):
            if f.metadata.get("internal") or f.name in tables:
                continue
            assert f"{f.name} =" in text, (
                f"config.example.toml does not document {cls.__name__}.{f.name}"
            )


@pytest.mark.parametrize(
    "text, key, problem",
    [
        (
            '[supervise]\nallowed_actions = ["monitor", "listen"]',
            "supervise.allowed_actions",
            "unknown action 'listen'",
        ),
        ('[supervise]\nworking_hours = "Mon-Fri 25:00-18:00"', "supervise.working_hours", ""),
        ('[supervise]\ntimezone = "Mars/Olympus"', "supervise.timezone", "unknown time zone"),
        (
            '[supervise.queues.Payments]\nallowed_actions = ["spy"]',
            "supervise.queues.Payments.allowed_actions",
            "spy",
        ),
        (
            '[supervise.webhook]\nurl = "http://qa.example.com/hook"',
            "supervise.webhook.url",
            "must be https://",
        ),
        ("[notices.hello]\nmax_duration_seconds = 10", "notices.hello.flow_id", "required"),
        ("[supervise]\nactions_per_hour = 0", "supervise.actions_per_hour", ""),
    ],
)
def test_supervise_policy_mistakes_are_named(tmp_path, text, key, problem):
    path = tmp_path / "config.toml"
    path.write_text(text + "\n")
    with pytest.raises(ConfigError) as e:
        load_config(path, explicit=True)
    assert key in str(e.value) and problem in str(e.value)


def test_supervise_policy_loads(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[supervise]\nworking_hours = "Mon-Fri 08:00-18:00"\ntimezone = "Europe/London"\n'
        '[supervise.queues."Payments"]\nallowed_actions = ["monitor"]\n'
        '[supervise.webhook]\nurl = "https://qa.example.com/hook"\n'
        '[notices.rec]\nflow_id = "f-1"\nmax_duration_seconds = 20\n'
    )
    cfg = load_config(path, explicit=True)
    assert cfg.supervise.queues["Payments"].allowed_actions == ["monitor"]
    assert (
        cfg.supervise.timezone == "Europe/London" and cfg.notices["rec"].max_duration_seconds == 20
    )
    assert cfg.supervise.webhook.url.startswith("https://")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_numbers_are_a_clear_error(tmp_path, value):
    from genesys_tui.core.config import ConfigError, load_config

    p = tmp_path / "c.toml"
    p.write_text(f"[profiles.default]\ntimeout_seconds = {value}\n")
    with pytest.raises(ConfigError, match="finite"):
        load_config(p)


def test_a_deeply_nested_toml_is_a_clear_error(tmp_path):
    from genesys_tui.core.config import ConfigError, load_config

    p = tmp_path / "c.toml"
    p.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ConfigError, match="TOML"):
        load_config(p)


@pytest.mark.parametrize(
    "name, client_id",
    [
        ("eu.prod", "abc"),
        ("my prod", "id"),
        ("default", 'x"\n[profiles.evil]\nbase_url = "http://evil'),
        ("tab\tname", "back\\slash"),
    ],
)
def test_remembered_profiles_are_escaped_toml(tmp_path, name, client_id):
    from genesys_tui.cli.account import remember_profile
    from genesys_tui.core.config import Config, load_config

    p = tmp_path / "c.toml"
    remember_profile(Config(), p, name, "mypurecloud.com", client_id)
    cfg = load_config(p)
    assert cfg.profiles[name].client_id == client_id and set(cfg.profiles) == {name}


@pytest.mark.parametrize(
    "value", ["plain", 'say "hi"', "back\\slash", "line\nbreak\ttab", "\x00\x7f", "ünï ☎", ""]
)
def test_toml_text_keeps_any_value_one_value(value):
    import tomllib

    from genesys_tui.core.toml_text import toml_key, toml_string

    doc = tomllib.loads(f"{toml_key(value or 'k')} = {toml_string(value)}\n")
    assert doc == {(value or "k"): value}
    assert toml_key("my-profile_2") == "my-profile_2"  # bare where it can be
