"""Live view's face for the layers above: the WHEP sessions of this process, and in a cluster the
API node's redirects to the workers and a worker's check of the tickets they carry."""

from csu.cluster.tickets import MAX_TICKET_CHARS
from video.live.ice import IceServer, IceServers
from video.live.offer import MAX_OFFER_BYTES
from video.live.remote import LiveRedirects, TicketDoor
from video.live.sessions import LiveService, LiveSession

__all__ = [
    "MAX_OFFER_BYTES",
    "MAX_TICKET_CHARS",
    "IceServer",
    "IceServers",
    "LiveRedirects",
    "LiveService",
    "LiveSession",
    "TicketDoor",
]
