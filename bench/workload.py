"""The scripted conversation every side replays: real events from the generated agent's own service.

A long thread is built turn by turn (the user asks, the model multiplies, then asks a follow-up
question, the user answers ...), so the events are exactly what the agent writes in production.
A thread of N events for the step benchmarks is its first N-1 events plus a fresh human answer,
which leaves the thread running with the step budget untouched.
"""

import uuid
from pathlib import Path
from typing import Any

from project import GeneratedAgent

QUESTION = "What is 3 times 4, then times each number I give you?"


def new_id() -> str:
    return uuid.uuid4().hex


def settings(agent: GeneratedAgent, database_url: str) -> Any:
    """Settings that ignore the environment and any .env file of the caller."""
    return agent.config.Settings(_env_file=None, agent_database_url=database_url, agent_max_steps=100)


def scripted_steps(agent: GeneratedAgent, steps: int, *, start: int = 0) -> Any:
    """`steps` multiplications, then done_for_now: steps + 1 model decisions in all."""
    llm = agent.scripted.ScriptedLLM()
    for i in range(start, start + steps):
        llm.call("multiply", a=float(i + 3), b=2.0)
    return llm.call("done_for_now", message="All done.")


def record_thread(agent: GeneratedAgent, db_path: Path, min_events: int) -> Any:
    """Drive the real AgentService until the stored thread holds at least `min_events` events."""
    store = agent.sqlite_store.SQLiteStore(str(db_path))
    llm = agent.scripted.ScriptedLLM()
    service = agent.service.AgentService.foreground(store, llm, settings(agent, f"sqlite:///{db_path}"))
    try:
        turn = 0

        def script_turn() -> None:
            llm.call("multiply", a=float(turn + 3), b=4.0)
            llm.call("request_more_information", message=f"Which number next? (turn {turn})")

        script_turn()
        thread = service.launch(agent.service.Trigger(message=QUESTION))
        while thread.version < min_events:
            turn += 1
            script_turn()
            thread = service.respond(thread.id, agent.service.HumanAnswer(answer=f"{turn + 5}"))
            llm.requests.clear()  # the recorded prompts are not needed and only cost memory
        return thread
    finally:
        store.close()


def prefix(agent: GeneratedAgent, recorded: Any, length: int) -> Any:
    """A running thread of `length` events sharing the recorded thread's event objects."""
    if length > recorded.version + 1:
        raise ValueError(f"recorded thread too short for {length} events")
    answer = agent.events.HumanResponse(answer="Now multiply by two until you are done.")
    return agent.thread.Thread.model_construct(id=new_id(), events=(*recorded.events[: length - 1], answer))
