"""The OParl 1.1 read API at ``/oparl/v1/``: the public's data for council-information clients.

How our model maps onto OParl's (OParl speaks of German municipalities):

==================  ===========================================================================
OParl               Sekretariat
==================  ===========================================================================
System              the installation (``/oparl/v1/``)
Body                an ``Organisation``: a region, a kommun, an association (Körperschaft)
Organization        a ``Body`` (organ): nämnd, beredning, styrelse, samverkansgrupp, …;
                    ``organizationType`` "Gremium", ``classification`` the kind in Swedish
LegislativeTerm     a ``Term`` of a body, named as documents head it ("… 2023")
Person              a ``Person`` with a seat in a public body: name, title, party; no email
Membership          a ``Membership``: role (function, else kind), votingRight for ordinarie
Meeting             a ``Meeting``; its ``resultsProtocol`` is the public PDF of the justerat
                    protokoll (or signed minnesanteckningar)
AgendaItem          a public ``AgendaItem`` of a sent agenda; ``resolutionText`` its decision
                    once the record is final
Paper               a ``Case`` (ärende), ``reference`` its diarienummer
Consultation        an agenda item that treats a case (its id is the item's)
File                a public ``Document`` with a stored file, and the public record PDFs
Location            a meeting's place (its id is the meeting's)
==================  ===========================================================================

Vendor extensions, prefixed ``sekretariat:``: attendance, justering and anslag on a meeting;
votes, proposal, summary, anmälningar on an item; seat kind, function, term and organisation
represented on a membership; sha256 on a file. Not served: the föredragningslista and
handlingar PDFs (they include items that are not public; the pages give them only to members).

Only public data: ``services`` asks ``app.accounts.permissions`` as an anonymous reader.
Deleted objects, and objects that stop being public, leave tombstones (``tombstones``).
"""
