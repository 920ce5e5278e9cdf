"""The demo city's community: a few threads on two neighbourhood boards and the city-wide one,
an official answer (pinned), support, a verified organisation with an upcoming event."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from portal.community import markup
from portal.models import (
    Area, Event, Organisation, OrganisationMember, Post, Thread, ThreadSupport, User, utcnow,
)
from portal.models.accounts import Role

THREADS = [
    # board index (None: city-wide), author, title, tag, opening post, replies [(author, text, official)]
    (0, "resident", "Streetlight out on the corner for two weeks", "problem",
     "The light at the corner by the bus stop has been **dark for two weeks**. It is the only one on the block.\n\n"
     "Has anyone else reported it?",
     [("moderator", "I walk there every evening: same here. Worth a request with the exact pole number.", False),
      ("streets", "Thank you for raising this. Street lighting is scheduled to replace the lamp this week; "
                  "the request number is on the pole's tag if you want to follow it.", True)]),
    (0, "moderator", "Spring cleanup: who is in?", "event",
     "The civic association is organising a cleanup of the park. Gloves and bags provided.",
     [("resident", "Count me in, I can bring a rake.", False)]),
    (1, "resident", "Bins left out all week on the side street", "question",
     "Is there a rule about how long bins can stay on the pavement after pickup?",
     [("sanitation", "Bins should be taken in by the evening of collection day. Repeated problems can be "
                     "reported as a *sanitation violation*.", True)]),
    (None, "resident", "Ideas for safer crossings near schools", "idea",
     "Which crossings near schools feel unsafe to you? Let's collect them and send one list to the city.",
     [("moderator", "- 5th and Main, morning rush\n- Elm and 12th, no signal", False)]),
]


def load_demo_community(session: Session, domain: str) -> int:
    """Once: skipped when the demo already has threads."""
    if session.exec(select(Thread.id).limit(1)).first() is not None:
        return 0
    people = {u.email.split("@")[0]: u for u in session.exec(select(User).where(User.email.like(f"%@{domain}")))}
    areas = list(session.exec(select(Area).where(Area.kind == "neighbourhood").order_by(Area.name).limit(2)))
    if not people or not areas:
        return 0
    now = utcnow()
    for index, (board, author, title, tag, text, replies) in enumerate(THREADS):
        started = now - timedelta(days=6 - index, hours=3)
        thread = Thread(area_id=areas[board].id if board is not None else None, title=title, tag=tag,
                        author_id=people[author].id, created_at=started, last_activity_at=started)
        session.add(thread)
        session.flush()
        session.add(Post(thread_id=thread.id, author_id=people[author].id, opening=True, body=text,
                         html=markup.render_markdown(text), created_at=started))
        for n, (who, body, official) in enumerate(replies, start=1):
            writer = people[who]
            moment = started + timedelta(hours=5 * n)
            post = Post(thread_id=thread.id, author_id=writer.id, body=body, html=markup.render_markdown(body),
                        created_at=moment,
                        official_department_id=writer.department_id if official and writer.role == Role.staff else None)
            session.add(post)
            session.flush()
            thread.reply_count += 1
            thread.last_activity_at = moment
            if official:
                thread.pinned_post_id = post.id
        for supporter in ("moderator", "agent"):
            if supporter != author:
                session.add(ThreadSupport(thread_id=thread.id, user_id=people[supporter].id))
                thread.support_count += 1
        session.add(thread)
    organisation = Organisation(name=f"{areas[0].name} Civic Association", area_id=areas[0].id, kind="civic",
                                description="Neighbours working together on clean, safe streets since 1978.",
                                contact=f"civic@{domain}", created_by_id=people["resident"].id,
                                verified_at=now, verified_by_id=people["moderator"].id)
    session.add(organisation)
    session.flush()
    session.add(OrganisationMember(organisation_id=organisation.id, user_id=people["resident"].id, manager=True))
    day = (now + timedelta(days=9)).replace(hour=14, minute=0, second=0)
    session.add(Event(organisation_id=organisation.id, area_id=areas[0].id, title="Spring park cleanup",
                      starts_at=day, ends_at=day + timedelta(hours=3), place="Neighbourhood park, main gate",
                      description="Gloves, bags and coffee provided.", created_by_id=people["resident"].id))
    session.commit()
    return len(THREADS)
