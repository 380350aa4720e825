"""Background jobs: long work (the handlingar packet, signing, the kallelse, exports) runs on
Celery workers with Redis as broker, or in process when no broker is configured."""
