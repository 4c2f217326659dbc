"""The request's one read session: a full pool makes requests wait on the event loop, never block it,
and a request that dies before its operation ends still gives its slot back."""

import asyncio
import gc

import pytest

from backend.graph.core.request_reads import RequestReads, _slots

pytestmark = pytest.mark.pooler


def test_a_full_pool_makes_requests_wait_without_blocking_the_loop(rt):
    async def main():
        free = _slots(rt.db)._value
        holders = [RequestReads(rt.db) for _ in range(free)]
        for holder in holders:
            await holder.session()
        waiting = asyncio.create_task(RequestReads(rt.db).session())
        await asyncio.sleep(0.05)  # the loop runs on while the request waits
        assert not waiting.done()
        holders[0].close()
        await asyncio.wait_for(waiting, 5)
        for holder in holders[1:]:
            holder.close()

    asyncio.run(main())


def test_a_request_dropped_mid_way_gives_its_slot_back(rt):
    async def main():
        free = _slots(rt.db)._value
        holders = [RequestReads(rt.db) for _ in range(free)]
        for holder in holders:
            await holder.session()
        del holder
        holders.pop()  # never closed: as if the request had died
        gc.collect()
        late = RequestReads(rt.db)
        await asyncio.wait_for(late.session(), 5)
        late.close()
        for holder in holders:
            holder.close()
        assert _slots(rt.db)._value == free

    asyncio.run(main())
