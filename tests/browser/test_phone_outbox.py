"""The phone's one outbox (static/outbox.js) in the browser, on the real IndexedDB: whatever the
order in which the network comes and goes, answers are lost, the server is busy, several pages
send at once, and events are made between, every event reaches the server exactly once (a resend
of one the server has counts as sent), in the order it was made, or is refused once and kept
out of the outbox; nothing stays waiting once the network is back.

Hypothesis writes the scenarios; each runs in the browser against a fake server that keeps
events by event_id as the real one does (the real one's replay answer is tested over HTTP)."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.browser.steps import sign_in

# A scenario on the page: the real outbox, a fake transport whose network, losses and refusals
# the steps set, and several senders at once (pages and the service worker share one outbox).
SCENARIO = """async ([user, steps]) => {
  const O = window.LtcOutbox;
  const server = { recorded: [], seen: new Set(), posts: 0, inFlight: 0, mostInFlight: 0 };
  const net = { online: true, loseNext: 0, busyNext: 0, refuse: new Set() };
  const pause = () => new Promise((r) => setTimeout(r, Math.random() * 3));
  async function transport(event) {
    server.inFlight += 1;
    server.mostInFlight = Math.max(server.mostInFlight, server.inFlight);
    try {
      await pause();
      if (!net.online) throw new TypeError("Failed to fetch");
      server.posts += 1;
      if (net.busyNext > 0) { net.busyNext -= 1; return { status: 503, payload: {} }; }
      const replay = server.seen.has(event.body.event_id);
      // A refusal is the event's own (its content): one the server already has is a replay.
      if (!replay && net.refuse.has(event.visit_id)) return { status: 409, payload: { detail: "refused " + event.visit_id } };
      if (!replay) { server.seen.add(event.body.event_id); server.recorded.push(event.body.event_id); }
      await pause();
      if (net.loseNext > 0) { net.loseNext -= 1; throw new TypeError("answer lost"); }
      return { status: replay ? 200 : 201, payload: { id: event.visit_id } };
    } finally {
      server.inFlight -= 1;
    }
  }
  const made = [];
  const running = [];
  for (const [step, arg] of steps) {
    if (step === "make") {
      const e = await O.put(user, arg, made.length % 2 ? "check_out" : "check_in",
        { event_id: O.newEventId(), at: new Date().toISOString(), lat: 30, lon: 120 });
      made.push({ id: e.body.event_id, visit: arg });
    } else if (step === "offline") net.online = false;
    else if (step === "online") net.online = true;
    else if (step === "lose") net.loseNext += 1;
    else if (step === "busy") net.busyNext += 1;
    else if (step === "refuse") net.refuse.add(arg);
    else if (step === "send") for (let i = 0; i < arg; i++) running.push(O.flush(user, transport));
    else if (step === "settle") await Promise.all(running.splice(0));
  }
  await Promise.all(running.splice(0));
  // The network back for good: senders keep trying until nothing is left.
  net.online = true; net.loseNext = 0; net.busyNext = 0;
  let rounds = 0;
  while ((await O.store.waiting(user)).length && rounds < 50) { await O.flush(user, transport); rounds += 1; }
  const refused = (await O.store.refusals(user)).map((r) => r.event_id);
  return { made, recorded: server.recorded, refused, mostInFlight: server.mostInFlight,
           left: (await O.store.waiting(user)).length };
}"""

VISITS = st.integers(min_value=1, max_value=3)
STEP = st.one_of(
    st.tuples(st.just("make"), VISITS),
    st.tuples(st.sampled_from(["offline", "online", "lose", "busy", "settle"]), st.just(0)),
    st.tuples(st.just("send"), st.integers(min_value=1, max_value=3)),
    st.tuples(st.just("refuse"), VISITS),
)


def check(result: dict[str, Any]) -> None:
    made = [m["id"] for m in result["made"]]
    recorded, refused = result["recorded"], result["refused"]
    assert result["left"] == 0, "events left in the outbox with the network back"
    assert result["mostInFlight"] <= 1, "two senders had events in flight at once"
    assert len(recorded) == len(set(recorded)), "an event recorded twice"
    assert not set(recorded) & set(refused), "an event both recorded and refused"
    assert sorted(recorded + refused) == sorted(made), "an event lost"
    assert recorded == [m for m in made if m in set(recorded)], "events recorded out of the order they were made"


async def test_the_outbox_delivers_each_event_once_whatever_the_reconnects(browser, live_server: str) -> None:
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "agency-P01")
    await page.goto(f"{live_server}/visits/day")
    await page.wait_for_selector(".app-day")
    loop = asyncio.get_running_loop()
    runs = iter(range(10_000))

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.lists(STEP, max_size=30))
    def delivers_once(steps: list[tuple[str, int]]) -> None:
        user = f"property-{next(runs)}"  # a store of its own for each scenario
        future = asyncio.run_coroutine_threadsafe(page.evaluate(SCENARIO, [user, steps]), loop)
        check(future.result(timeout=60))

    await asyncio.to_thread(delivers_once)
    await context.close()


async def test_the_outbox_rules(browser, live_server: str) -> None:
    """The pure rules every sender follows: what an answer means, and how long to wait."""
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, live_server, "agency-P01")
    await page.goto(f"{live_server}/visits/day")
    kinds = await page.evaluate(
        """() => [[200], [201], [400], [401], [403, 'role_not_allowed'], [403, 'forbidden'], [404], [409], [408],
                  [422], [425], [429], [500], [503]].map(([status, code]) => LtcOutbox.answerKind(status, code))"""
    )
    assert kinds == [
        "sent",
        "sent",
        "refused",
        "signed_out",
        "refused",
        "signed_out",
        "refused",
        "refused",
        "retry",
        "refused",
        "retry",
        "retry",
        "retry",
        "retry",
    ]
    waits = await page.evaluate("() => [0, 1, 2, 3, 10, 20].map((n) => LtcOutbox.backoffMs(n, 0.5))")
    assert waits == [5000, 10000, 20000, 40000, 300000, 300000]
    status = await page.evaluate(
        """() => [
          LtcOutbox.shownStatus('planned', []),
          LtcOutbox.shownStatus('planned', [{seq: 2, kind: 'check_out'}, {seq: 1, kind: 'check_in'}]),
          LtcOutbox.shownStatus('in_progress', [{seq: 1, kind: 'check_in'}]),
          LtcOutbox.shownStatus('cancelled', [{seq: 1, kind: 'check_out'}]),
        ]"""
    )
    assert status == ["planned", "done", "in_progress", "cancelled"]
    newer = await page.evaluate(
        """() => [
          LtcOutbox.newer({status: 'planned', n: 1}, {status: 'done', n: 2}).n,
          LtcOutbox.newer({status: 'done', n: 1}, {status: 'in_progress', n: 2}).n,
          LtcOutbox.newer({status: 'planned', n: 1}, null).n,
        ]"""
    )
    assert newer == [2, 1, 1]
    await context.close()
