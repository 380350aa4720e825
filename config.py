"""Configuration classes. ProductionConfig reads everything from the environment."""

import os
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'sekretariat.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Swedish by default; English is a complete translation chosen per user.
    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = {"sv": "Svenska", "en": "English"}
    STORAGE_PATH = os.environ.get("STORAGE_PATH", str(BASE_DIR / "instance" / "storage"))
    # The text of every stored PDF is read (OCR for a scan) and searched (app.search.jobs),
    # in the sandbox within these limits (seconds, bytes; app.documents.text).
    SEARCH_READ_DOCUMENT_TEXT = True
    SEARCH_TEXT_TIME_LIMIT = 60
    SEARCH_TEXT_MEMORY_LIMIT = 1024 * 2**20
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    # Login attempts (app/core/security.py): per account and per client address. Limits are
    # counted in RATELIMIT_STORAGE_URI: memory (one process) unless it names Redis.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True  # Retry-After on a refusal
    # Redis down: each worker counts in memory meanwhile rather than logins failing.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    LOGIN_RATE_LIMITS_ENABLED = True
    LOGIN_RATE_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_RATE_LIMIT_PER_ACCOUNT", "10/minute")
    LOGIN_RATE_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_RATE_LIMIT_PER_ADDRESS", "30/minute")
    # Strict-Transport-Security: only where the site is served over HTTPS (production).
    SECURITY_HSTS = False
    WTF_CSRF_TIME_LIMIT = None  # a long form must not fail on an expired token
    # Uploads: beslutsunderlag are PDFs up to this size and page count.
    MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(50 * 1024 * 1024)))
    MAX_UPLOAD_PAGES = int(os.environ.get("MAX_UPLOAD_PAGES", "1000"))
    # Several files go up in one request (an item's beslutsunderlag at once): at most this many
    # bytes in all. Past it Flask refuses the request outright (413); a single file past the
    # limit above is refused with the reason first.
    MAX_UPLOAD_REQUEST_BYTES = int(
        os.environ.get("MAX_UPLOAD_REQUEST_BYTES", str(4 * MAX_UPLOAD_BYTES))
    )
    MAX_CONTENT_LENGTH = max(MAX_UPLOAD_REQUEST_BYTES, MAX_UPLOAD_BYTES) + 1024 * 1024
    # Word, Excel, PowerPoint and OpenDocument files are converted to PDF/A by LibreOffice
    # (app/documents/office.py) in the sandbox with these limits (seconds; bytes of address
    # space: LibreOffice reserves much more than it uses), in a network namespace of its own
    # where the kernel allows; OFFICE_REQUIRE_NO_NETWORK=1 refuses to convert without one.
    OFFICE_CONVERT_TIME_LIMIT = float(os.environ.get("OFFICE_CONVERT_TIME_LIMIT", "120"))
    OFFICE_CONVERT_MEMORY_LIMIT = int(
        os.environ.get("OFFICE_CONVERT_MEMORY_LIMIT", str(4 * 1024 * 1024 * 1024))
    )
    OFFICE_REQUIRE_NO_NETWORK = os.environ.get("OFFICE_REQUIRE_NO_NETWORK", "").lower() in {
        "1",
        "true",
        "yes",
        "on",
    }
    # Reading an upload (app/documents/uploads.py) runs in a child process with these limits
    # (seconds of wall-clock time; bytes of address space), and what its pages' content
    # unpacks to may come to at most MAX_UPLOAD_DECODED_BYTES: PDF "bombs" are refused.
    MAX_UPLOAD_DECODED_BYTES = int(
        os.environ.get("MAX_UPLOAD_DECODED_BYTES", str(100 * 1024 * 1024))
    )
    UPLOAD_CHECK_TIME_LIMIT = float(os.environ.get("UPLOAD_CHECK_TIME_LIMIT", "20"))
    UPLOAD_CHECK_MEMORY_LIMIT = int(
        os.environ.get("UPLOAD_CHECK_MEMORY_LIMIT", str(1024 * 1024 * 1024))
    )
    # An organisation's logo (app/documents/images.py): PNG or JPEG, at most this many bytes
    # and pixels a side; decoded in a child process like an upload.
    MAX_LOGO_BYTES = int(os.environ.get("MAX_LOGO_BYTES", str(2 * 1024 * 1024)))
    MAX_LOGO_SIDE = int(os.environ.get("MAX_LOGO_SIDE", "4000"))
    # Building the handlingar packet (app/documents/packet.py) likewise; past either limit the
    # job fails and says so.
    PACKET_TIME_LIMIT = float(os.environ.get("PACKET_TIME_LIMIT", "300"))
    PACKET_MEMORY_LIMIT = int(os.environ.get("PACKET_MEMORY_LIMIT", str(2 * 1024 * 1024 * 1024)))
    # Outgoing mail (app/core/mail.py). Booleans accept 1/true/yes/on.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "").lower() in {"1", "true", "yes", "on"}
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "").lower() in {"1", "true", "yes", "on"}
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Sekretariat <noreply@example.se>")
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "10"))
    # Development: keep built messages in app.extensions["sent_mail"] instead of sending.
    MAIL_SUPPRESS_SEND = os.environ.get("MAIL_SUPPRESS_SEND", "").lower() in {
        "1",
        "true",
        "yes",
        "on",
    }
    # Signed PDFs (app/signing). Keys never live in the repository. Unset paths fall back, when
    # used, to what `flask signing init-dev` makes in SIGNING_DIR (default <instance>/signing/):
    # seal.p12, personal/ and ca.pem, if they exist (app/signing/settings.py resolves them).
    SIGNING_DIR = os.environ.get("SIGNING_DIR")
    # The organisation's seal (PKCS#12) and its password.
    SIGNING_PKCS12 = os.environ.get("SIGNING_PKCS12")
    SIGNING_PKCS12_PASSWORD = os.environ.get("SIGNING_PKCS12_PASSWORD")
    # Personal certificates as <email>.p12; their password defaults to the seal's.
    SIGNING_PERSONAL_DIR = os.environ.get("SIGNING_PERSONAL_DIR")
    SIGNING_PERSONAL_PASSWORD = os.environ.get("SIGNING_PERSONAL_PASSWORD")
    # Certificates trusted when verifying: PEM files, separated like PATH in the environment.
    SIGNING_TRUST_ROOTS: list[str] | None = [
        path for path in os.environ.get("SIGNING_TRUST_ROOTS", "").split(os.pathsep) if path
    ] or None
    # An RFC 3161 timestamp server: signatures then carry a trusted time (PAdES B-T).
    SIGNING_TSA_URL = os.environ.get("SIGNING_TSA_URL") or None
    # Background jobs (app/jobs): with a Redis URL long work runs on Celery workers; unset,
    # it runs in the request (development, `make run`). Redis hands a job whose worker died
    # to another worker after CELERY_VISIBILITY_TIMEOUT seconds.
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
    CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
    JOBS_TEST_STEP_DELAY = 0.0
    # A queued or running job that has shown no sign of life (a step, its start) for this many
    # seconds has lost its worker (killed, or the server that ran it in process): it is failed
    # with the reason and asking again starts a new one. Per kind in
    # JOB_LEASE_SECONDS_PER_KIND, from the environment as "export=14400,packet=600"; the
    # export writes the whole archive in one step.
    JOB_LEASE_SECONDS = int(os.environ.get("JOB_LEASE_SECONDS", "900"))
    JOB_LEASE_SECONDS_PER_KIND: dict[str, int] = {
        "export": 4 * 3600,
        **{
            name.strip(): int(seconds)
            for name, _sep, seconds in (
                pair.partition("=")
                for pair in os.environ.get("JOB_LEASE_SECONDS_PER_KIND", "").split(",")
                if "=" in pair
            )
        },
    }
    # Behind a reverse proxy (nginx): how many proxies set each X-Forwarded-* header, for
    # werkzeug's ProxyFix (0 = do not trust the header). Without it redirects and external URLs
    # would name the app server instead of the public host and scheme.
    # The proxies whose X-Forwarded-* headers count (comma-separated peer addresses): a
    # request from anywhere else is taken as it came, whatever headers it carries.
    PROXY_TRUSTED_ADDRESSES = os.environ.get("PROXY_TRUSTED_ADDRESSES", "127.0.0.1,::1")
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
    PROXY_FIX_X_PROTO = int(os.environ.get("PROXY_FIX_X_PROTO", "0"))
    PROXY_FIX_X_HOST = int(os.environ.get("PROXY_FIX_X_HOST", "0"))
    PROXY_FIX_X_PORT = int(os.environ.get("PROXY_FIX_X_PORT", "0"))
    PROXY_FIX_X_PREFIX = int(os.environ.get("PROXY_FIX_X_PREFIX", "0"))
    # Public pages (the justerat protokoll, the anslagstavla) for anonymous readers are kept
    # this many seconds per worker (app/core/response_cache.py); 0 disables the cache.
    RESPONSE_CACHE_SECONDS = float(os.environ.get("RESPONSE_CACHE_SECONDS", "30"))
    # A logged-in reader's most read pages (a meeting, its record, the agenda editor, an item's
    # record page) are kept this many seconds per worker and per login session, and only until
    # anything is written anywhere (app/core/response_cache.py); 0 disables it. Each process
    # keeps at most READER_CACHE_MAX_BYTES of them.
    READER_CACHE_SECONDS = float(os.environ.get("READER_CACHE_SECONDS", "30"))
    READER_CACHE_MAX_BYTES = int(os.environ.get("READER_CACHE_MAX_BYTES", str(32 * 2**20)))


class DevelopmentConfig(Config):
    DEBUG = True
    # `flask signing init-dev` may make development keys: the configuration decides, not
    # FLASK_DEBUG (Flask's command line sets app.debug from that variable alone).
    SIGNING_DEV_KEYS_ALLOWED = True
    # Protects the development CA and seal that `flask signing init-dev` makes (not a secret).
    SIGNING_PKCS12_PASSWORD = os.environ.get("SIGNING_PKCS12_PASSWORD", "sekretariat-utveckling")
    # A template edited under `make run` shows at once.
    RESPONSE_CACHE_SECONDS = float(os.environ.get("RESPONSE_CACHE_SECONDS", "0"))
    READER_CACHE_SECONDS = float(os.environ.get("READER_CACHE_SECONDS", "0"))
    # `make run` needs no mail server: kallelser are kept in memory and logged instead.
    MAIL_SUPPRESS_SEND = os.environ.get("MAIL_SUPPRESS_SEND", "1").lower() in {
        "1",
        "true",
        "yes",
        "on",
    }


class TestingConfig(Config):
    TESTING = True
    # The text of stored files is read for the search (app.search.jobs) only where a test
    # turns it on (tests/search): other tests' jobs and files stay theirs alone.
    SEARCH_READ_DOCUMENT_TEXT = False
    SIGNING_DEV_KEYS_ALLOWED = True
    SECRET_KEY = "testing"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # Cheap hashing keeps the suite fast; production uses argon2's defaults.
    ARGON2_PARAMS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
    # Never the developer's keys in instance/signing/: a test that signs makes its own keys
    # (app.signing.keys.init_dev_signing) and points SIGNING_DIR at them.
    # (A worker started by a test is handed the test's keys in TEST_SIGNING_DIR.)
    SIGNING_DIR = os.environ.get("TEST_SIGNING_DIR") or os.path.join(
        tempfile.gettempdir(), f"sekretariat-test-signing-{os.getpid()}"
    )
    SIGNING_PKCS12_PASSWORD = "testing"
    # Stored files of this test process alone (never the developer's instance/storage, and
    # never another pytest-xdist worker's); removed when the session ends.
    STORAGE_PATH = os.environ.get("TEST_STORAGE_PATH") or os.path.join(
        tempfile.gettempdir(), f"sekretariat-test-storage-{os.getpid()}"
    )
    # Jobs run in process unless a test starts Redis and a worker (tests/jobs): never the
    # developer's broker. A worker started by a test waits this long after each step.
    CELERY_BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL")
    JOBS_TEST_STEP_DELAY = float(os.environ.get("JOBS_TEST_STEP_DELAY", "0"))
    # Login limits would trip the many logins of the suite; tests/security turns them on.
    LOGIN_RATE_LIMITS_ENABLED = False
    # Off, except in the caches' own tests (tests/publication/test_response_cache.py,
    # tests/core/test_reader_cache.py).
    RESPONSE_CACHE_SECONDS = 0.0
    READER_CACHE_SECONDS = 0.0


class ProductionConfig(Config):
    """Everything from the environment (Config reads mail, signing, uploads and proxy settings;
    README "Drift" lists them). STORAGE_PATH must name a folder every app server shares."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "")
    STORAGE_PATH = os.environ.get("STORAGE_PATH", "")
    # Each gunicorn worker keeps its own pool; workers × (size + overflow) stays below the
    # server's max_connections.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {
        "pool_pre_ping": True,
        "pool_size": int(os.environ.get("DATABASE_POOL_SIZE", "5")),
        "max_overflow": int(os.environ.get("DATABASE_MAX_OVERFLOW", "5")),
        "pool_recycle": int(os.environ.get("DATABASE_POOL_RECYCLE", "1800")),
    }
    # Behind nginx on the same host: one proxy sets X-Forwarded-For and -Proto.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "1"))
    PROXY_FIX_X_PROTO = int(os.environ.get("PROXY_FIX_X_PROTO", "1"))
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1").lower() in {
        "1",
        "true",
        "yes",
        "on",
    }
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURITY_HSTS = True

    @classmethod
    def check(cls) -> None:
        # Production signs with the organisation's own keys and trusts its own CA: never the
        # development CA that `flask signing init-dev` leaves in the instance folder.
        required = (
            "SECRET_KEY",
            "DATABASE_URL",
            "STORAGE_PATH",
            "SIGNING_PKCS12",
            "SIGNING_PKCS12_PASSWORD",
            "SIGNING_TRUST_ROOTS",
        )
        missing = [name for name in required if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                f"ProductionConfig needs environment variables: {', '.join(missing)}"
            )


configs = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
