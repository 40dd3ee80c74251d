"""Speaks the upload-session wire as deepset's official Python client does, against a given emulator.

Written from the official client's behavior (httpx for the API, aiohttp FormData(quote_fields=True) for
S3), not from this repository's SDK. Usage: official_wire.py <api origin> <api key> <workspace>.
Prints one JSON line: the names it uploaded and the document names the emulator lists.
"""
import asyncio
import json
import sys

import aiohttp
import httpx

NAMES = ["with space.txt", "日本語.txt", "plus+amp&.txt", "comma,semi;colon.txt", "a!b*c(d)e.txt"]


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
        print(json.dumps({"uploaded": NAMES, "documents": [f["name"] for f in listed["data"]]}, ensure_ascii=False))


asyncio.run(main(*sys.argv[1:4]))
