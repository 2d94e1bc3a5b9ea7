"""`hustings sandbox --run`: the documented first quick-start command, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def sandbox(tmp_path: Path, *lines: str, database: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the sandbox non-interactively with the given lines."""
    args = [sys.executable, "-m", "bot", "sandbox", "--output", str(tmp_path / "out")]
    if database:
        args += ["--database", str(database)]
    for line in lines:
        args += ["--run", line]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUSTINGS_", "DISCORD_"))}
    env["COLUMNS"] = "100"
    return subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)


def test_sandbox_runs_commands_and_renders_replies(tmp_path) -> None:
    result = sandbox(
        tmp_path,
        "/candidate name: Yasmine Dar",
        "/results election: nec-2018",
        ":click 1",
        "/nominations progress",
        "/results election: nec-2018 view: slates",
        "/candidate name: Nobody Atall",
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Yasmine Dar" in out and "68,388" in out
    assert "Shared by @Sam (member)" in out
    assert "No candidate called" in out
    saved = sorted({p.name.split("-", 1)[1] for p in (tmp_path / "out").glob("*.png")})
    # #17 part 5: every chart is saved, the slate totals and the nominations over time too
    assert saved == ["nominations-over-time.png", "nominations.png", "results.png", "slates.png"], saved
    assert "Traceback" not in result.stderr


def test_sandbox_keeps_state_and_moves_time(tmp_path) -> None:
    db = tmp_path / "sandbox.db"
    first = sandbox(tmp_path, ":advance 5d", database=db)
    assert first.returncode == 0, first.stderr
    assert "time is now" in first.stdout
    # the live demo election's reminders fire on the way: a channel post and the member's DM
    assert "Hustings in #announcements" in first.stdout and "Nominations close in 1 day" in first.stdout
    assert "DM to member" in first.stdout
    second = sandbox(tmp_path, "/election list", ":as member", "/remind list", database=db)
    assert second.returncode == 0, second.stderr
    assert "NEC" in second.stdout
    assert "Automatic reminders are on" not in second.stdout  # set up once, kept in the database
    assert "NCWU" in second.stdout.split("/remind list")[-1]  # the member's subscription survived
    assert "Traceback" not in second.stderr


def test_prompt_is_visible_in_a_terminal(tmp_path) -> None:
    """#18 item 1: the interactive prompt says who you are and where, through a real pseudo-terminal."""
    import pty
    import select
    import time

    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUSTINGS_", "DISCORD_"))}
    env.update(COLUMNS="100", TERM="dumb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--output", str(tmp_path / "out")],
        cwd=tmp_path,
        env=env,
        stdin=follower,
        stdout=follower,
        stderr=subprocess.PIPE,
    )
    os.close(follower)
    seen = b""

    def read_until(marker: bytes, limit: float = 120) -> bytes:
        nonlocal seen
        deadline = time.monotonic() + limit  # a bound on a hung child, not a timing assertion
        while marker not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 1)
            if ready:
                try:
                    seen += os.read(leader, 4096)
                except OSError:
                    break
        return seen

    try:
        assert b"[member #general]" in read_until(b"[member #general]")
        os.write(leader, b":as moderator2\n")
        assert b"[moderator2 #general]" in read_until(b"[moderator2 #general]")
        os.write(leader, b":quit\n")
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(leader)
    assert b"Traceback" not in (proc.stderr.read() if proc.stderr else b"")


def test_attach_a_file_with_at_path(tmp_path) -> None:
    """#18 item 2: `file: @path` attaches a file; a missing file or a bare word is explained in plain words."""
    (tmp_path / "candidates.csv").write_text("election,name\nncwu-nec,Zoë Example\n", encoding="utf-8")
    result = sandbox(
        tmp_path,
        ":as moderator",
        "/admin data import file: @candidates.csv",
        "/admin data import file: @nowhere.csv",
        "/admin data import file: candidates.csv",
        "/admin election create",
        "/admin",
        "/admin election create slug: x name: X seats: three",
        "/results election: nec-2018 view: nonsense",
        "/admin config channels announce: nowhere",
        ":help",
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "SimFile" not in out and "got str" not in out and "required" not in out
    assert "Zoë Example" in out  # the import preview names the new candidate
    assert "There is no file at nowhere.csv" in out
    assert "Attach a file with @ and its path" in out
    assert "/admin election create needs slug:" in out
    assert "/admin needs one more word: /admin election" in out
    assert "seats: needs a whole number" in out and "view: choose one of summary" in out
    assert "There is no #nowhere channel here" in out and "needs a integer" not in out
    assert "file: @candidates.csv" in out.split("> :help")[-1]


def test_server_id_second_moderator_and_local_times(tmp_path) -> None:
    """#18 items 3, 4, 5: the server id is printed, `:as` takes every listed person (and `admin`),
    and times read in the server's zone, never UTC."""
    result = sandbox(tmp_path, ":as admin", ":as moderator2", ":as nobody", ":help", ":advance 1d")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Server id " in out.splitlines()[0] + out
    guild_id = out.split("Server id ")[1].split()[0]
    assert guild_id.isdigit() and f"--guild {guild_id}" in out
    assert "now acting as Mo (moderator)" in out and "now acting as Mia (second moderator)" in out
    assert "Act as one of: member, organiser, moderator, moderator2" in out
    assert "unknown sandbox command" not in out
    assert "UTC" not in out and "Europe/London" in out
    assert "GMT" in out.split("> :advance 1d")[-1]


def test_a_post_now_shows_when_it_is_sent(tmp_path) -> None:
    """#18 item 6: what the bot posts straight away is shown without asking for `:messages`."""
    result = sandbox(tmp_path, ":as organiser", "/announce post channel: announcements view: nominations", ":quit")
    assert result.returncode == 0, result.stderr
    assert "Hustings in #announcements" in result.stdout.split("> :quit")[0]


def test_posts_and_dms_from_earlier_runs_are_listed(tmp_path) -> None:
    """#18 item 6: with --database, `:dms` and `:messages` show what the bot sent in earlier runs."""
    db = tmp_path / "sandbox.db"
    first = sandbox(tmp_path, ":advance 5d", database=db)
    assert "DM to member" in first.stdout
    second = sandbox(tmp_path, ":dms", ":messages announcements", database=db)
    assert second.returncode == 0, second.stderr
    after_dms = second.stdout.split("> :dms")[1]
    assert "DM to member" in after_dms.split("> :messages")[0]
    assert "nominations close" in after_dms.split("> :messages")[0]
    assert "Nominations close in 1 day" in after_dms.split("> :messages")[1]


def test_markdown_and_timestamps_render_as_discord_shows_them() -> None:
    """#18 item 5: emphasis, subtext and timestamps in the server's zone (BST in summer)."""
    from datetime import UTC, datetime

    from bot.sandbox.terminal import markdown_text

    now = datetime(2026, 7, 1, 12, tzinfo=UTC)
    text = markdown_text("*soon* and **now**\n-# small print <t:1782896400:F>", now)
    assert text.plain == "soon and now\nsmall print Wed 01 Jul 2026 10:00 BST"
    styles = {text.plain[s.start : s.end]: str(s.style) for s in text.spans}
    assert styles["soon"] == "italic" and styles["now"] == "bold"
    assert styles["small print Wed 01 Jul 2026 10:00 BST"] == "dim"


def test_the_first_evening_walk_has_no_developer_wording(tmp_path) -> None:
    """#18 "done when": create an election, import a spreadsheet, schedule, advance time, publish with two
    moderators, all in the sandbox, and nothing on screen is written for developers."""
    (tmp_path / "candidates.csv").write_text(
        "Election,Name\nclub-2027,Ann Able\nclub-2027,Ben Baker\nclub-2027,Cat Cole\n", encoding="utf-8"
    )
    (tmp_path / "votes.csv").write_text(
        "election,round,candidate,votes\nclub-2027,1,Ann Able,120\nclub-2027,1,Ben Baker,90\nclub-2027,1,Cat Cole,80\n",
        encoding="utf-8",
    )
    result = sandbox(
        tmp_path,
        ":as moderator",
        "/admin election create slug: club-2027 name: Club committee 2027 seats: 2",
        "/admin election timeline election: club-2027 nominations_close: friday 17:00 ballot_close: 14 dec 2026 6pm",
        "/admin data import file: @candidates.csv",
        ":click 1",
        ":as organiser",
        "/announce schedule channel: announcements when: in 1h message: Meet the candidates tonight",
        ":advance 2h",
        ":as moderator",
        "/admin config roles two_person_publish: True",
        "/admin data import file: @votes.csv",
        ":click 1",
        "/admin results publish election: club-2027",
        ":as moderator2",
        "/admin results publish election: club-2027",
        ":as member",
        "/results election: club-2027",
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Meet the candidates tonight" in out.split("> :advance 2h")[1]
    assert "asked to publish the results of club-2027" in out
    assert "Mia published results club-2027" in out.replace("mia", "Mia")
    assert "Elected: Ann Able, Ben Baker" in out
    internals = ("Traceback", "SimFile", "got str", "UTC", "election.", "results.publish", "_id", "fingerprint", "['")
    for internal in internals:
        assert internal not in out, internal
    assert "Traceback" not in result.stderr


def test_readme_transcript_matches_a_real_run(tmp_path) -> None:
    """#18 item 14: the README's sandbox excerpt is what the sandbox prints today, and the README says how
    to find a server id, the moderator-role caveat, and walks through a first evening."""
    import re
    import shlex

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "Copy Server ID" in readme and "Server Settings → Integrations" in readme
    assert "## Your first evening" in readme
    block = readme.split("```text\n", 1)[1].split("```", 1)[0]
    command, shown = block.split("\n> ", 1)
    words = shlex.split(command.removeprefix("$ ").replace("\\\n", " "))
    lines = [words[i + 1] for i, word in enumerate(words) if word == "--run"]
    result = sandbox(tmp_path, *lines)
    assert result.returncode == 0, result.stderr
    # lines that don't depend on the moment or the ids of the run must be printed exactly as shown
    steady = [
        line.strip()
        for line in ("> " + shown).splitlines()
        if line.strip() and not re.search(r"\d{2} \w{3} \d{4}|\d{6,}|in \d+ day|saved", line)
    ]

    def flat(text: str) -> str:  # the words as printed, whatever the terminal's width
        return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())

    printed = flat(result.stdout)
    missing = [line for line in steady if flat(line) not in printed]
    assert not missing, missing
    assert "UTC" not in block
