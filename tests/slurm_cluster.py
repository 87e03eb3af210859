"""A single-node Slurm cluster on this machine, for the cluster-submission test.

It writes a slurm.conf (this host's CPUs and memory from `slurmd -C`, one fake GPU as
a gres backed by /dev/null) to Slurm's default path /etc/slurm, keeping all state in a
scratch folder, starts munged (if not running), slurmctld and slurmd, and on stop
ends what it started and removes the files it wrote. The default path matters: the
Snakemake job-step plugin strips SLURM_* variables (SLURM_CONF too) before its inner
srun. A slurm.conf it did not write is never touched: the test then skips.
Needs root and Debian's slurm-wlm and munge (installed when missing).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path


class Unavailable(Exception):
    """Slurm cannot be stood up here (no root, no apt); the reason says why."""


def ensure_installed() -> None:
    if shutil.which("slurmctld") and shutil.which("munged"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise Unavailable("slurm-wlm/munge are not installed and installing them needs root and apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "slurm-wlm", "munge"], check=True, env=env, capture_output=True)


def _munge_works() -> bool:
    probe = subprocess.run("munge -n | unmunge", shell=True, capture_output=True)
    return probe.returncode == 0


def _start_munged() -> bool:
    """Start munged as the munge user; False when one is already serving."""
    if _munge_works():
        return False
    for folder in ("/run/munge", "/var/log/munge", "/var/lib/munge"):
        Path(folder).mkdir(parents=True, exist_ok=True)
    subprocess.run(["chown", "-R", "munge:munge", "/run/munge", "/var/log/munge", "/var/lib/munge", "/etc/munge"], check=True)
    if not Path("/etc/munge/munge.key").exists():
        subprocess.run(["runuser", "-u", "munge", "--", "mungekey", "--create"], check=True)
    subprocess.run(["runuser", "-u", "munge", "--", "/usr/sbin/munged"], check=True)
    for _ in range(50):
        if _munge_works():
            return True
        time.sleep(0.1)
    raise RuntimeError("munged did not come up")


CONF_DIR = Path("/etc/slurm")
MARKER = "# written by the cz4042 test suite (tests/slurm_cluster.py); removed when it stops"


CPUS = 16


class SlurmCluster:
    def __init__(self, folder: Path, partition: str = "main"):
        self.folder = Path(folder)
        self.partition = partition
        self.host = socket.gethostname()
        self.env = dict(os.environ)
        self.started_munged = False

    def write_config(self) -> None:
        node = subprocess.run(["slurmd", "-C"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
        # Announce CPUS CPUs whatever the machine has (config_overrides), so that a group
        # job of 10 one-thread runs fits on this one node as it would on a GPU node.
        memory = re.search(r"RealMemory=(\d+)", node).group(1)
        node = f"NodeName={self.host} CPUs={CPUS} RealMemory={memory}"
        for sub in ("state", "spool"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        f = self.folder
        conf = CONF_DIR / "slurm.conf"
        if conf.exists() and MARKER not in conf.read_text():
            raise Unavailable(f"{conf} exists and belongs to another Slurm set-up; not touching it")
        CONF_DIR.mkdir(parents=True, exist_ok=True)
        conf.write_text("\n".join([
            MARKER, "ClusterName=cz4042test", f"SlurmctldHost={self.host}", "SlurmUser=root", "SlurmdUser=root",
            "AuthType=auth/munge", "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none",
            "SelectType=select/cons_tres", "SelectTypeParameters=CR_Core_Memory",
            "AccountingStorageType=accounting_storage/none", "JobAcctGatherType=jobacct_gather/none",
            "JobCompType=jobcomp/none", "MpiDefault=none", "ReturnToService=2", "GresTypes=gpu",
            "SlurmdParameters=config_overrides",
            "SlurmctldPort=16817", "SlurmdPort=16818",
            f"SlurmctldPidFile={f}/slurmctld.pid", f"SlurmdPidFile={f}/slurmd.pid",
            f"StateSaveLocation={f}/state", f"SlurmdSpoolDir={f}/spool",
            f"SlurmctldLogFile={f}/slurmctld.log", f"SlurmdLogFile={f}/slurmd.log",
            f"{node} Gres=gpu:1 State=UNKNOWN",
            f"PartitionName={self.partition} Nodes={self.host} Default=YES MaxTime=INFINITE State=UP", "",
        ]))
        (CONF_DIR / "gres.conf").write_text(f"{MARKER}\nAutoDetect=off\nName=gpu File=/dev/null\n")

    def start(self) -> "SlurmCluster":
        self.write_config()
        self.started_munged = _start_munged()
        subprocess.run(["slurmctld"], env=self.env, check=True)
        subprocess.run(["slurmd"], env=self.env, check=True)
        for _ in range(100):
            state = subprocess.run(["sinfo", "-h", "-o", "%T"], env=self.env, capture_output=True, text=True)
            if state.stdout.strip() == "idle":
                return self
            time.sleep(0.2)
        raise RuntimeError(f"the Slurm node did not become idle: {state.stdout}{state.stderr}")

    def stop(self) -> None:
        for daemon in ("slurmd", "slurmctld"):
            pid_file = self.folder / f"{daemon}.pid"
            if pid_file.exists():
                pid = pid_file.read_text().strip()
                subprocess.run(["kill", pid], check=False)
                for _ in range(50):
                    if not Path(f"/proc/{pid}").exists():
                        break
                    time.sleep(0.1)
        for name in ("slurm.conf", "gres.conf"):
            path = CONF_DIR / name
            if path.exists() and MARKER in path.read_text():
                path.unlink()
        if self.started_munged:
            subprocess.run(["pkill", "-x", "munged"], check=False)

    def show_job(self, job_id: str) -> dict[str, str]:
        """`scontrol show job` as key=value pairs."""
        out = subprocess.run(["scontrol", "show", "job", "-o", job_id], env=self.env,
                             capture_output=True, text=True, check=True).stdout
        return dict(item.split("=", 1) for item in out.split() if "=" in item)
