"""Speaks the upload-session wire as deepset's official Python client does, against a given emulator.

Written from the official client's behavior (httpx for the API, aiohttp FormData(quote_fields=True) for
S3), not from this repository's SDK. Usage: official_wire.py <api origin> <api key> <workspace>.
Prints one JSON line: the names it uploaded and the document names the emulator lists, then the same
for the direct upload of 20 files or fewer through the files API (httpx multipart, as the client's
FilesAPI.direct_upload_path and direct_upload_in_memory post them).
"""
import asyncio
import datetime
import io
import json
import sys
import uuid

import aiohttp
import httpx

NAMES = ["with space.txt", "日本語.txt", "plus+amp&.txt", "comma,semi;colon.txt", "a!b*c(d)e.txt"]

# (name, content, meta); the first three go as files from disk, the last two from memory.
DIRECT = [
    ("direct one.txt", b"direct document 1", {"source": "direct", "n": 1}),
    ("direct 日本語.md", "# 見出し".encode(), {}),
    ("direct-three.pdf", b"%PDF-1.4 not really", {"source": "direct", "n": 3}),
    ("direct-four.txt", b"in memory 4", {"source": "memory"}),
    ("direct-five.txt", b"in memory 5", {}),
]


def from_isoformat(text: str) -> datetime.datetime:
    # As the client parses created_at: a trailing Z read as +00:00 (Python < 3.12 needs it).
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


async def direct_upload(api: httpx.AsyncClient, base: str) -> dict:
    """The client's small-upload path: one POST /files per document, then the files listing and reads."""
    ids = {}
    for i, (name, content, meta) in enumerate(DIRECT):
        common = {"params": {"write_mode": "KEEP"}, "json": {}}
        if i < 3:
            # direct_upload_path: the file object and the meta as a part without a filename.
            response = await api.post(
                f"{base}/files",
                files={"file": (name, io.BytesIO(content)), "meta": (None, json.dumps(meta))},
                data={},
                **common,
            )
        else:
            # direct_upload_in_memory: the content as the file, the meta as a form field.
            response = await api.post(
                f"{base}/files", files={"file": (name, content)}, data={"meta": json.dumps(meta)}, **common
            )
        assert response.status_code == 201 and response.json().get("file_id") is not None, response.text
        ids[name] = str(uuid.UUID(response.json()["file_id"]))
    # FAIL on a name the workspace holds: the client raises, having seen no 201.
    refused = await api.post(
        f"{base}/files",
        files={"file": (DIRECT[0][0], io.BytesIO(b"again")), "meta": (None, json.dumps({}))},
        params={"write_mode": "FAIL"},
        json={},
        data={},
    )
    assert refused.status_code != 201, refused.text
    # list_all: pages of list_paginated, the cursor the last item's created_at and file_id.
    listed, after_value, after_file_id, has_more, total = [], None, None, True, None
    while has_more:
        params = {"limit": 2}
        if after_value and after_file_id:
            params["after_value"] = after_value.isoformat()
            params["after_file_id"] = str(after_file_id)
        response = await api.get(f"{base}/files", params=params)
        assert response.status_code == 200, f"Failed to list files: {response.text}"
        body = response.json()
        total, has_more = body["total"], body["has_more"]
        files = [
            {"file_id": uuid.UUID(d["file_id"]), "url": d["url"], "name": d["name"], "size": d["size"],
             "created_at": from_isoformat(d["created_at"]), "meta": d["meta"]}
            for d in body["data"]
        ]
        if not files:
            break
        listed.extend(files)
        after_value, after_file_id = files[-1]["created_at"], files[-1]["file_id"]
    assert total == len(listed), (total, len(listed))
    assert len({f["file_id"] for f in listed}) == len(listed), "the walk repeated a file"
    by_id = {str(f["file_id"]): f for f in listed}
    # download: the file's bytes, then its meta.
    for name, content, meta in DIRECT:
        file_id = ids[name]
        assert by_id[file_id]["name"] == name and by_id[file_id]["size"] == len(content), by_id.get(file_id)
        raw = await api.get(f"{base}/files/{file_id}")
        assert raw.status_code == 200 and raw.content == content, raw.status_code
        got = await api.get(f"{base}/files/{file_id}/meta")
        assert got.status_code == 200 and got.json() == meta, got.text
    missing = await api.get(f"{base}/files/{uuid.uuid4()}")
    assert missing.status_code == 404, missing.status_code
    return {"uploaded": [name for name, _, _ in DIRECT], "ids": ids, "listed": [f["name"] for f in listed]}


async def main(origin: str, key: str, workspace: str) -> None:
    base = f"{origin}/api/v1/workspaces/{workspace}"
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    async with httpx.AsyncClient(headers=headers) as api:
        created = await api.post(
            f"{base}/upload_sessions", json={"write_mode": "KEEP", "parallel_processing_enabled": True}
        )
        assert created.status_code == 201, created.text
        session = created.json()
        config = session["aws_prefixed_request_config"]
        async with aiohttp.ClientSession() as s3:
            for i, name in enumerate(NAMES):
                form = aiohttp.FormData(quote_fields=True)
                for field, value in config["fields"].items():
                    form.add_field(field, value)
                form.add_field("file", f"document {i}".encode(), filename=name, content_type="text/plain")
                async with s3.post(config["url"], data=form, allow_redirects=False) as response:
                    assert response.status in (200, 201, 204), await response.text()
        closed = await api.put(f"{base}/upload_sessions/{session['session_id']}", json={"status": "CLOSED"})
        assert closed.status_code == 204, closed.text
        total = len(NAMES)
        for _ in range(200):
            status = (await api.get(f"{base}/upload_sessions/{session['session_id']}")).json()
            counts = status["ingestion_status"]
            if counts["finished_files"] + counts["failed_files"] >= total:
                break
            await asyncio.sleep(0.05)
        assert counts["finished_files"] == total, counts
        listed = (await api.get(f"{base}/upload_sessions/{session['session_id']}/files", params={"limit": 100})).json()
        direct = await direct_upload(api, base)
        print(
            json.dumps(
                {"uploaded": NAMES, "documents": [f["name"] for f in listed["data"]], "direct": direct},
                ensure_ascii=False,
            )
        )


asyncio.run(main(*sys.argv[1:4]))
