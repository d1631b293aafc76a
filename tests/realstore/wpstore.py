"""A real WordPress + WooCommerce store on 127.0.0.1, built from the archives in `../shared/wordpress/`.

Nothing is downloaded: WordPress core and the WooCommerce plugin come from the archives (the folder is
`WCRECALL_WP_ARCHIVES` when set, else `../shared/wordpress/` beside the repository), PHP 8.2 and MariaDB from Debian
(`make store-deps` installs them). One MariaDB server per test session, private on a unix socket in a temporary
folder; one database and one `php -S` web server per flavour; a TLS front on loopback with a private CA for https.

    with MariaDB(tmp / "db") as db:
        with RealStore.build(FLAVOURS["wc99"], tmp / "wc99", db) as store:
            store.url, store.https_url, store.ca_bundle      # http (OAuth) and https (Basic auth) addresses
            store.rw, store.ro                               # REST keys: Key(key, secret), read/write and read-only
            store.api()                                      # a `woocommerce.API` with the read/write key, over http
            store.wp("echo get_option('timezone_string');")  # PHP run with WordPress and WooCommerce loaded
            store.sql("SELECT COUNT(*) FROM wp_posts")       # rows as lists of strings
            store.mails()                                    # every email WordPress would have sent (captured)
            store.snapshot(); store.restore()                # the seeded database, back between tests

Each store: WordPress 6.8.3, the flavour's WooCommerce with its storage (posts or HPOS authoritative), the flavour's
time zone, pretty permalinks, hold stock on (`woocommerce_manage_stock` yes, 60 minutes), bank transfer and cheque
enabled, one simple product (`product_id`, 25.00), one registered customer (`customer_id`, `customer_email`), WP-cron
off (tests call WooCommerce's jobs directly) and no request beyond loopback (`WP_HTTP_BLOCK_EXTERNAL`).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tarfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import requests
from woocommerce import API

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
HOST = "127.0.0.1"
WORDPRESS = "wordpress-6.8.3.tar.gz"
PREFIX = "wp_"
PRODUCT_PRICE = "25.00"
HOLD_STOCK_MINUTES = 60


@dataclass(frozen=True)
class Flavour:
    name: str
    woocommerce: str  # version of the archive woocommerce-<version>.tar.gz
    storage: str  # "posts" or "hpos"
    timezone: str


FLAVOURS = {
    "wc78": Flavour("wc78", "7.8.2", "posts", "America/New_York"),
    "wc99": Flavour("wc99", "9.9.5", "hpos", "Asia/Shanghai"),
}


def archives_dir() -> Path:
    """Where the WordPress and WooCommerce archives are: `WCRECALL_WP_ARCHIVES`, else ../shared/wordpress/."""
    override = os.environ.get("WCRECALL_WP_ARCHIVES")
    return Path(override) if override else REPO.parent / "shared" / "wordpress"


def missing() -> str | None:
    """Why a real store cannot be built on this machine, or None when it can."""
    folder = archives_dir()
    names = [WORDPRESS] + [f"woocommerce-{f.woocommerce}.tar.gz" for f in FLAVOURS.values()]
    absent = [n for n in names if not (folder / n).is_file()]
    if absent:
        return f"the WordPress/WooCommerce archives are absent ({', '.join(absent)} not in {folder}; set WCRECALL_WP_ARCHIVES)"
    tools = [t for t in ("php", "mariadbd", "mariadb-install-db", "mariadb", "openssl") if not _which(t)]
    if tools:
        return f"{', '.join(tools)} not installed (`make store-deps` installs the Debian packages)"
    return None


def _which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _wait_for(what: str, ready: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start within {timeout:g} s")


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
        return True
    return False


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process started with its own process group, and every worker it forked."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # php -S workers outlive their parent
        os.killpg(proc.pid, signal.SIGKILL)


# -- MariaDB ------------------------------------------------------------------------------------------------------


class MariaDB:
    """A private MariaDB server: its own data dir, a unix socket, no TCP, no system settings. Stopped by its pid."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.socket = root / "mysqld.sock"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        data = self.root / "data"
        data.mkdir(parents=True)
        user = ["--user=root"] if os.geteuid() == 0 else []
        subprocess.run(
            ["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=normal",
             "--skip-test-db", *user],
            check=True, capture_output=True,
        )  # fmt: skip
        self.proc = subprocess.Popen(
            [_which("mariadbd") or "mariadbd", "--no-defaults", *user, f"--datadir={data}", f"--socket={self.socket}",
             f"--pid-file={self.root / 'mysqld.pid'}", f"--log-error={self.root / 'error.log'}", "--skip-networking",
             "--skip-log-bin", "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0",
             "--innodb-buffer-pool-size=64M"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            _wait_for("MariaDB", self._ready)
        except RuntimeError:
            self.__exit__()
            log = (self.root / "error.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"MariaDB did not start: {log}") from None
        return self

    def _ready(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"MariaDB exited with {self.proc.returncode}")
        return self.socket.exists() and self.query("SELECT 1", check=False) == [["1"]]

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            _stop_group(self.proc)
            self.proc = None

    def query(self, sql: str, *, database: str = "", check: bool = True) -> list[list[str]]:
        """Run SQL as root over the socket; the rows of the last statement, as lists of strings (NULL as "NULL")."""
        done = subprocess.run(
            ["mariadb", "--no-defaults", f"--socket={self.socket}", "-uroot", "-N", "-B", *([database] if database else [])],
            input=sql.encode(), capture_output=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            if not check:
                return []
            raise RuntimeError(f"SQL failed: {done.stderr.decode(errors='replace').strip()}\n{sql[:500]}")
        return [line.split("\t") for line in done.stdout.decode().splitlines()]


# -- TLS front ------------------------------------------------------------------------------------------------------


def make_ca(folder: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate for 127.0.0.1 signed by it: (ca.pem, server.pem, server.key)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key, csr, cert = (folder / n for n in ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem"))
    ext = folder / "server.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca), "-days", "2",
            "-subj", "/CN=wcrecall test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1")
    openssl("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
            "-out", str(cert), "-days", "2", "-extfile", str(ext))  # fmt: skip
    return ca, cert, key


class TlsFront:
    """TLS on loopback in front of a plain http port: accepts, decrypts and pipes bytes both ways, nothing else."""

    def __init__(self, backend_port: int, cert: Path, key: Path) -> None:
        self.backend_port = backend_port
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.create_server((HOST, 0))
        self.port = int(self.listener.getsockname()[1])
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="tls-front", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() in the serving thread
        self.listener.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        try:
            client.settimeout(30)
            tls = self.context.wrap_socket(client, server_side=True)
        except (OSError, ssl.SSLError):
            client.close()
            return
        try:
            backend = socket.create_connection((HOST, self.backend_port), timeout=30)
        except OSError:
            tls.close()
            return
        upstream = threading.Thread(target=self._pipe, args=(tls, backend), daemon=True)
        upstream.start()
        self._pipe(backend, tls)
        upstream.join(timeout=5)
        for sock in (tls, backend):
            with contextlib.suppress(OSError):
                sock.close()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)


# -- the store ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    key: str
    secret: str


def _new_key() -> Key:
    return Key("ck_" + secrets.token_hex(20), "cs_" + secrets.token_hex(20))


@dataclass
class RealStore:
    flavour: Flavour
    root: Path
    db: MariaDB
    port: int
    tls_backend_port: int
    rw: Key = field(default_factory=_new_key)
    ro: Key = field(default_factory=_new_key)
    ca_bundle: Path | None = None
    product_id: int = 0
    customer_id: int = 0
    customer_email: str = "registered.buyer@example.com"
    build_seconds: float = 0.0
    _servers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _front: TlsFront | None = None

    # -- addresses and clients -----------------------------------------------------------------------------------

    @property
    def database(self) -> str:
        return f"store_{self.flavour.name}"

    @property
    def docroot(self) -> Path:
        return self.root / "wordpress"

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def https_url(self) -> str:
        assert self._front is not None
        return f"https://{HOST}:{self._front.port}"

    @property
    def mail_log(self) -> Path:
        return self.root / "mail.jsonl"

    def api(self, key: Key | None = None) -> API:
        """A REST v3 client over http (OAuth), with the read/write key unless another is given."""
        key = key or self.rw
        return API(url=self.url, consumer_key=key.key, consumer_secret=key.secret, version="wc/v3", timeout=30)

    def wp(self, php: str, *, installing: bool = False) -> str:
        """Run PHP code (no `<?php`) with WordPress and WooCommerce loaded; its output. Raises on a PHP error."""
        env = dict(os.environ, WCRECALL_TEST_HOST=f"{HOST}:{self.port}", WCRECALL_TEST_WP=str(self.docroot))
        if installing:
            env["WCRECALL_TEST_INSTALLING"] = "1"
        done = subprocess.run(
            ["php", "-d", "display_errors=stderr", "-d", "error_reporting=E_ALL & ~E_DEPRECATED & ~E_NOTICE",
             "-d", "memory_limit=512M", str(HERE / "php-eval.php")],
            input=php.encode(), capture_output=True, env=env, cwd=self.docroot, check=False,
        )  # fmt: skip
        err = done.stderr.decode(errors="replace")
        if done.returncode != 0 or "Fatal error" in err or "Parse error" in err:
            raise RuntimeError(f"PHP failed ({done.returncode}): {err.strip()[-2000:]}\n--- code:\n{php[:1000]}")
        return done.stdout.decode(errors="replace")

    def sql(self, query: str) -> list[list[str]]:
        """Run SQL in the store's database; rows as lists of strings."""
        return self.db.query(query, database=self.database)

    def mails(self) -> list[dict[str, Any]]:
        """Every email WordPress would have sent since the last restore: to, subject, message, headers."""
        if not self.mail_log.exists():
            return []
        return [json.loads(line) for line in self.mail_log.read_text(encoding="utf-8").splitlines() if line]

    # -- build ---------------------------------------------------------------------------------------------------

    @classmethod
    def build(cls, flavour: Flavour, root: Path, db: MariaDB) -> RealStore:
        started = time.monotonic()
        store = cls(flavour=flavour, root=root, db=db, port=free_port(), tls_backend_port=free_port())
        try:
            store._unpack()
            store._database()
            store._config()
            store._install()
            store._start()
            store.snapshot()
        except BaseException:
            store.stop()
            raise
        store.build_seconds = time.monotonic() - started
        return store

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _unpack(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        folder = archives_dir()
        # The "data" filter (Python 3.11.4+) refuses links and paths that leave the target folder.
        safe: dict[str, Any] = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        with tarfile.open(folder / WORDPRESS) as tar:
            tar.extractall(self.root, **safe)
        plugins = self.docroot / "wp-content" / "plugins"
        with tarfile.open(folder / f"woocommerce-{self.flavour.woocommerce}.tar.gz") as tar:
            tar.extractall(plugins, **safe)
        mu = self.docroot / "wp-content" / "mu-plugins"
        mu.mkdir(exist_ok=True)
        shutil.copy(HERE / "mail-capture.php", mu / "mail-capture.php")

    def _database(self) -> None:
        self.db_password = secrets.token_hex(12)
        self.db.query(
            f"CREATE DATABASE {self.database} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;"
            f"CREATE USER '{self.database}'@'localhost' IDENTIFIED BY '{self.db_password}';"
            f"GRANT ALL ON {self.database}.* TO '{self.database}'@'localhost';"
        )

    def _config(self) -> None:
        salts = "\n".join(
            f"define('{name}', '{secrets.token_hex(32)}');"
            for name in ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT",
                         "LOGGED_IN_SALT", "NONCE_SALT")
        )  # fmt: skip
        self.ca_bundle, cert, key = make_ca(self.root / "tls")
        self._front = TlsFront(self.tls_backend_port, cert, key)
        config = f"""<?php
define('DB_NAME', '{self.database}');
define('DB_USER', '{self.database}');
define('DB_PASSWORD', '{self.db_password}');
define('DB_HOST', 'localhost:{self.db.socket}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
{salts}
$table_prefix = '{PREFIX}';
define('WP_DEBUG', false);
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('FS_METHOD', 'direct');
define('WCRECALL_TEST_MAIL_LOG', '{self.mail_log}');
// Requests through the TLS front arrive on their own port: WordPress then sees https and its https address.
if (isset($_SERVER['SERVER_PORT']) && (int) $_SERVER['SERVER_PORT'] === {self.tls_backend_port}) {{
    $_SERVER['HTTPS'] = 'on';
    define('WP_HOME', 'https://{HOST}:{self._front.port}');
    define('WP_SITEURL', 'https://{HOST}:{self._front.port}');
}}
if (!defined('ABSPATH')) {{
    define('ABSPATH', __DIR__ . '/');
}}
require_once ABSPATH . 'wp-settings.php';
"""
        (self.docroot / "wp-config.php").write_text(config, encoding="utf-8")

    def _install(self) -> None:
        f = self.flavour
        self.wp(
            f"""
            wp_install('Example Shop', 'admin', 'admin@example.com', false, '', '{secrets.token_hex(12)}');
            global $wp_rewrite;
            $wp_rewrite->set_permalink_structure('/%postname%/');
            update_option('timezone_string', '{f.timezone}');
            $r = activate_plugin('woocommerce/woocommerce.php');
            if (is_wp_error($r)) {{ fwrite(STDERR, 'Fatal error: ' . $r->get_error_message()); exit(1); }}
            """,
            installing=True,
        )
        hpos = ""
        if f.storage == "hpos":
            hpos = """
            $sync = wc_get_container()->get(Automattic\\WooCommerce\\Internal\\DataStores\\Orders\\DataSynchronizer::class);
            if (!$sync->check_orders_table_exists()) { $sync->create_database_tables(); }
            update_option('woocommerce_feature_custom_order_tables_enabled', 'yes');
            update_option('woocommerce_custom_orders_table_enabled', 'yes');
            update_option('woocommerce_custom_orders_table_data_sync_enabled', 'no');
            """
        keys = "\n".join(
            f"""$wpdb->insert('{PREFIX}woocommerce_api_keys', array('user_id' => 1, 'description' => '{name}',
                'permissions' => '{perm}', 'consumer_key' => hash_hmac('sha256', '{k.key}', 'wc-api'),
                'consumer_secret' => '{k.secret}', 'truncated_key' => substr('{k.key}', -7)));"""
            for name, perm, k in (("wcrecall", "read_write", self.rw), ("read only", "read", self.ro))
        )
        out = self.wp(
            f"""
            WC_Install::install();
            global $wpdb;
            foreach (array(
                'woocommerce_currency' => 'USD', 'woocommerce_default_country' => 'US:NY',
                'woocommerce_manage_stock' => 'yes', 'woocommerce_hold_stock_minutes' => '{HOLD_STOCK_MINUTES}',
                'woocommerce_coming_soon' => 'no', 'woocommerce_store_pages_only' => 'no',
                'woocommerce_onboarding_profile' => array('skipped' => true), 'woocommerce_show_marketplace_suggestions' => 'no',
                'woocommerce_allow_tracking' => 'no', 'woocommerce_task_list_hidden' => 'yes',
                'woocommerce_enable_guest_checkout' => 'yes',
            ) as $name => $value) {{ update_option($name, $value); }}
            update_option('woocommerce_bacs_settings', array('enabled' => 'yes', 'title' => 'Direct bank transfer'));
            update_option('woocommerce_cheque_settings', array('enabled' => 'yes', 'title' => 'Check payments'));
            {hpos}
            {keys}
            $product = new WC_Product_Simple();
            $product->set_name('Blue mug');
            $product->set_regular_price('{PRODUCT_PRICE}');
            $product->set_status('publish');
            $product->save();
            $customer = new WC_Customer();
            $customer->set_email('{self.customer_email}');
            $customer->set_username('registered-buyer');
            $customer->set_password('{secrets.token_hex(12)}');
            $customer->set_billing_email('{self.customer_email}');
            $customer->save();
            flush_rewrite_rules();
            echo wp_json_encode(array('product' => $product->get_id(), 'customer' => $customer->get_id(),
                'hpos' => class_exists('Automattic\\WooCommerce\\Utilities\\OrderUtil')
                    && Automattic\\WooCommerce\\Utilities\\OrderUtil::custom_orders_table_usage_is_enabled(),
                'wc' => WC()->version));
            """
        )
        facts = json.loads(out[out.index("{") :])
        self.product_id, self.customer_id = int(facts["product"]), int(facts["customer"])
        if facts["wc"] != f.woocommerce or bool(facts["hpos"]) != (f.storage == "hpos"):
            raise RuntimeError(f"{f.name}: built WooCommerce {facts['wc']} with hpos={facts['hpos']}, expected {f}")

    def _start(self) -> None:
        env = dict(os.environ, PHP_CLI_SERVER_WORKERS="3")
        for port in (self.port, self.tls_backend_port):
            log = open(self.root / f"php-{port}.log", "wb")  # noqa: SIM115 - kept open by the server process
            self._servers.append(
                subprocess.Popen(
                    [
                        "php",
                        "-d",
                        "display_errors=0",
                        "-d",
                        "log_errors=1",
                        "-d",
                        "memory_limit=512M",
                        "-S",
                        f"{HOST}:{port}",
                        "-t",
                        str(self.docroot),
                        str(HERE / "router.php"),
                    ],
                    cwd=self.docroot,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            )
            log.close()
        assert self._front is not None
        self._front.start()
        for port in (self.port, self.tls_backend_port):
            _wait_for(f"php -S on {port}", lambda p=port: _listening(p))
        answer = requests.get(f"{self.url}/wp-json/wc/v3/", timeout=30)
        if answer.status_code != 200:
            raise RuntimeError(f"{self.flavour.name}: /wp-json/wc/v3/ answered {answer.status_code}")

    def stop(self) -> None:
        if self._front is not None:
            self._front.stop()
            self._front = None
        for server in self._servers:
            _stop_group(server)
        self._servers.clear()

    # -- snapshot and restore -------------------------------------------------------------------------------------

    def _tables(self, database: str) -> list[str]:
        rows = self.db.query(f"SHOW TABLES FROM {database}")
        return [r[0] for r in rows]

    def snapshot(self) -> None:
        """Copy the store's database as it is now (the seeded store); `restore()` brings it back."""
        snap = f"snap_{self.flavour.name}"
        statements = [f"DROP DATABASE IF EXISTS {snap}", f"CREATE DATABASE {snap}"]
        for table in self._tables(self.database):
            statements.append(f"CREATE TABLE {snap}.`{table}` LIKE {self.database}.`{table}`")
            statements.append(f"INSERT INTO {snap}.`{table}` SELECT * FROM {self.database}.`{table}`")
        self.db.query(";\n".join(statements) + ";")

    def restore(self) -> None:
        """Put the database back as it was at `snapshot()` and empty the mail capture."""
        snap = f"snap_{self.flavour.name}"
        kept = set(self._tables(snap))
        statements = ["SET FOREIGN_KEY_CHECKS=0", "SET UNIQUE_CHECKS=0"]
        for table in self._tables(self.database):
            if table not in kept:
                statements.append(f"DROP TABLE {self.database}.`{table}`")
            else:
                statements.append(f"DELETE FROM {self.database}.`{table}`")
                statements.append(f"INSERT INTO {self.database}.`{table}` SELECT * FROM {snap}.`{table}`")
        self.db.query(";\n".join(statements) + ";")
        self.mail_log.unlink(missing_ok=True)


@contextlib.contextmanager
def running(names: tuple[str, ...], root: Path) -> Iterator[dict[str, RealStore]]:
    """One MariaDB and a store per flavour name, stopped at the end (for use outside pytest)."""
    with MariaDB(root / "db") as db, contextlib.ExitStack() as stack:
        yield {n: stack.enter_context(RealStore.build(FLAVOURS[n], root / n, db)) for n in names}
