"""Signed checkpoints of the audit chain, kept outside the database.

A checkpoint is the chain's last sequence number and hash at a moment, signed (HMAC-SHA256)
with the chain's current key, appended as one JSON line to a file in
settings.AUDIT_CHECKPOINT_DIR and logged (logger "audit.checkpoint"). Whoever owns the database
can delete the newest events and reset the head, or rewrite the whole chain from its start with
the unkeyed hash of the oldest events; neither matches a checkpoint taken before. verify_chain
checks the chain against every checkpoint.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from audit.keys import current_key, key_for
from audit.models import AuditChainHead

log = logging.getLogger("audit.checkpoint")
FILE_NAME = "checkpoints.jsonl"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    key_id: str
    mac: str

    def body(self) -> bytes:
        fields = {"seq": self.seq, "hash": self.hash, "at": self.at, "key": self.key_id}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def signed(self) -> bool:
        key = key_for(self.key_id)
        if key is None:
            return False
        expected = hmac.new(key, self.body(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.mac)

    def as_line(self) -> str:
        return json.dumps(
            {"seq": self.seq, "hash": self.hash, "at": self.at, "key": self.key_id, "mac": self.mac}
        )


def checkpoint_path(folder: Path | None = None) -> Path:
    return Path(folder or settings.AUDIT_CHECKPOINT_DIR) / FILE_NAME


def checkpoint_write(*, folder: Path | None = None) -> Checkpoint | None:
    """Sign the chain's head as it stands and append it; None when the chain is empty or has not
    moved since the last checkpoint (safe to run as often as one likes)."""
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None or head.last_seq == 0:
        return None
    existing = checkpoints_read(folder=folder)
    if existing and existing[-1].seq == head.last_seq and existing[-1].hash == head.last_hash:
        return None
    key_id, key = current_key()
    unsigned = Checkpoint(head.last_seq, head.last_hash, timezone.now().isoformat(), key_id, "")
    mac = hmac.new(key, unsigned.body(), hashlib.sha256).hexdigest()
    checkpoint = Checkpoint(unsigned.seq, unsigned.hash, unsigned.at, key_id, mac)
    path = checkpoint_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write(checkpoint.as_line() + "\n")
    log.info("audit checkpoint %s", checkpoint.as_line())
    return checkpoint


def checkpoints_read(*, folder: Path | None = None) -> list[Checkpoint]:
    """Every checkpoint of the file, oldest first; a line that is not one is kept as a
    checkpoint that fails its signature (so that editing the file shows)."""
    path = checkpoint_path(folder)
    if not path.exists():
        return []
    checkpoints = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            data: Any = json.loads(line)
            checkpoints.append(
                Checkpoint(
                    int(data["seq"]),
                    str(data["hash"]),
                    str(data["at"]),
                    str(data["key"]),
                    str(data["mac"]),
                )
            )
        except (ValueError, KeyError, TypeError):
            checkpoints.append(Checkpoint(-1, "", "", "", "not a checkpoint"))
    return checkpoints
