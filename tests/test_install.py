"""Installing as an owner does, and the first command after it.

The install test builds the sdist and the wheel (the wheel from the sdist, so a file missing from the sdist fails
it), installs the wheel with the README's command (`install.sh`) into a fresh HOME, and runs the installed command.
It needs the package registry (or the machine's pip cache) for the dependencies: without it it is skipped with the
reason, and with `CI` set it fails saying so (tests/prerequisites.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from e2e import NOW, cli, write_config
from prerequisites import require

from wcrecall import __version__
from wcrecall.sandbox import SandboxStore

ROOT = Path(__file__).resolve().parents[1]
# pip's words when the index or a download cannot be reached (no network, no registry, no proxy).
OFFLINE = (
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "No matching distribution found",
    "Could not find a version that satisfies",
    "Connection refused",
    "Read timed out",
)


def test_a_missing_config_says_to_run_init(tmp_path: Path) -> None:
    """The first command after installing, without a config, tells the owner what to do next."""
    result = cli(["status"], config=tmp_path / "config.toml", now=NOW)
    assert result.exit_code == 2
    assert "config file not found" in result.stderr
    assert "run `wcrecall init`" in result.stderr


def _source_copy(dest: Path) -> Path:
    """The repository without the developer's virtualenv, build output and caches, as a fresh clone has it."""
    ignore = shutil.ignore_patterns(
        ".git",
        ".venv",
        "build",
        "dist",
        "*.egg-info",
        "__pycache__",
        ".*_cache",
        "demo-outbox",
        ".demo",
        "bench-results.json",
        "test-artifacts",
    )
    return Path(shutil.copytree(ROOT, dest, ignore=ignore))


def _run(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def test_the_wheel_installs_with_the_readme_command_and_runs_doctor_on_the_sandbox(
    tmp_path: Path, store: SandboxStore
) -> None:
    """sdist + wheel build, `install.sh <wheel>` in a fresh HOME, then `wcrecall --version` and `doctor` succeed."""
    source = _source_copy(tmp_path / "src")
    dist = tmp_path / "dist"
    build_env = {k: v for k, v in os.environ.items() if not k.startswith("WCRECALL_")}
    built = _run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)], build_env, tmp_path
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    sdists, wheels = list(dist.glob("wcrecall-*.tar.gz")), list(dist.glob("wcrecall-*-py3-none-any.whl"))
    assert len(sdists) == 1 and len(wheels) == 1, sorted(p.name for p in dist.iterdir())

    home = tmp_path / "home"
    home.mkdir()
    env = dict(build_env)
    # The pip cache of the machine may serve the dependencies; nothing else of the developer's HOME is used.
    env.setdefault("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    env.update({"HOME": str(home), "PYTHON": sys.executable, "NO_COLOR": "1", "COLUMNS": "200"})
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".local/bin" not in p)
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):  # the installed command must run the wheel's code only
        env.pop(name, None)
    # The script as an owner has it: from the unpacked sdist (the release archive).
    with tarfile.open(sdists[0]) as archive:
        archive.extractall(tmp_path / "release", filter="data")
    script = tmp_path / "release" / sdists[0].name.removesuffix(".tar.gz") / "install.sh"
    assert script.is_file(), "install.sh is not in the sdist"
    installed = _run(["sh", str(script), str(wheels[0])], env, home)
    output = installed.stdout + installed.stderr
    if installed.returncode != 0 and any(marker in output for marker in OFFLINE):
        require(
            "install test", "the package registry cannot be reached to install the dependencies:\n" + output[-2000:]
        )
    assert installed.returncode == 0, output[-4000:]
    # ~/.local/bin is not on this PATH: the script says so and gives the line to add.
    assert 'export PATH="$HOME/.local/bin:$PATH"' in installed.stdout

    command = home / ".local" / "bin" / "wcrecall"
    assert command.is_symlink() and command.resolve().is_relative_to(home / ".local" / "share" / "wcrecall")
    version = _run([str(command), "--version"], env, home)
    assert version.returncode == 0 and __version__ in version.stdout, version.stdout + version.stderr

    config = write_config(tmp_path, store.url)
    env.update({"WCRECALL_CONFIG": str(config), "WCRECALL_NOW": NOW.isoformat()})
    doctor = _run([str(command), "doctor"], env, home, timeout=120)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "checks: 0 FAIL" in doctor.stdout
    assert any(line.startswith("OK") and "store" in line for line in doctor.stdout.splitlines()), doctor.stdout


def test_install_without_the_venv_module_says_which_package_to_install(tmp_path: Path) -> None:
    """Debian/Ubuntu ship Python without `venv` (python3-venv): the script names the package and leaves nothing."""
    fake = tmp_path / "python3"
    fake.write_text(
        "#!/bin/sh\n"
        # As on Debian: the virtualenv folder is half made, then ensurepip is missing.
        'case "$*" in *"-m venv"*) mkdir -p "$3/bin"; echo "ensurepip is not available" >&2; exit 1 ;; esac\n'
        f'exec "{sys.executable}" "$@"\n',
        encoding="utf-8",
    )
    fake.chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", ""), "PYTHON": str(fake)}
    result = _run(["sh", str(ROOT / "install.sh"), str(ROOT)], env, home, timeout=60)
    assert result.returncode == 1
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert f"sudo apt install python{version}-venv" in result.stderr, result.stderr
    assert not (home / ".local" / "share" / "wcrecall" / "venv").exists()
    assert not (home / ".local" / "bin" / "wcrecall").exists()
