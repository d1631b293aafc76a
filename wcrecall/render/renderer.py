"""Render the reminder emails: Jinja2 templates written in MJML -> responsive HTML, plus a plain-text part.

This is the only module that imports `jinja2` and `mjml`. Templates live in `emails/` (shipped as `wcrecall.emails`)
or in the owner's `recall.emails_dir`:

- `layout.mjml.j2`: the shared HTML layout (autoescaped); it defines the named blocks that hold the shared wording.
- `step-N.mjml.j2`: one per reminder step; `{% extends "layout.mjml.j2" %}` and defines `subject`, `preheader`, `body`.
  A step without a template of its own uses the highest-numbered one.
- `layout.txt.j2`: the plain-text part (not escaped). It holds no wording of its own beyond the item list: it calls
  `part("block")`, which renders that block of the step template as plain text, so a translation or an owner's edit
  applies to both parts.

Everything taken from an order is hostile (a first name may be `<b>Bob</b>\\r\\nBcc: x@example.org`): values are
escaped in the HTML, and control characters (CR/LF included) become spaces before any template sees them, so subject,
preheader and text can never carry header text. Undefined variables are errors (StrictUndefined), and every template is
compiled when the `Renderer` is built, so a broken owner template is reported before anything is sent.
"""

from __future__ import annotations

import gettext
import hashlib
import html
import re
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, localcontext
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
import jinja2.runtime
import mjml
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_currency, format_decimal, is_currency
from babel.support import Translations
from markupsafe import Markup

from wcrecall import __version__
from wcrecall.config.settings import BrandSettings
from wcrecall.model.errors import TemplateError
from wcrecall.model.order import LineItem, Order
from wcrecall.render.locales import (
    bdi_as_marks,
    catalog_names,
    currency_pattern,
    isolated_html,
    isolated_text,
    method_list,
    regional_locale,
)
from wcrecall.render.names import display_name, greeting_name
from wcrecall.state.db import atomic_write

__all__ = ["KINDS", "MAX_ITEMS", "REASONS", "RenderedEmail", "Renderer", "format_money", "html_to_text"]

KINDS = ("failed", "pending")
# Failure classes the templates know; any other value (or None) gets the generic instruction.
REASONS = (
    "insufficient_funds",
    "authentication",
    "customer_input",
    "expired_or_unsupported",
    "issuer_generic",
    "transient",
    "abandoned",
    "unknown",
)
MAX_ITEMS = 20  # an order with 1,000 lines must still make a short email: the rest is "and N more items"
DOMAIN = "wcrecall"
LAYOUT_TEXT = "layout.txt.j2"
DEFAULT_ACCENT = "#2f6fde"

_STEP_RE = re.compile(r"^step-(\d+)\.mjml\.j2$")
# C0 and C1 controls plus the Unicode line and paragraph separators: anything a mail client or header parser could
# take as a line break. Format characters (ZWJ in emoji, RTL marks) are kept: names need them.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_HEX_COLOUR_RE = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    preheader: str
    html: str
    text: str
    lang: str  # BCP 47 tag actually used, e.g. "de", "zh-Hans"; "en" for an unknown language
    to_name: str = ""  # the buyer's name for `To:`, written the way the language writes names (render/names.py)


# --- values the templates see -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemView:
    name: str
    quantity: int


@dataclass(frozen=True)
class OrderView:
    """The order as templates see it: cleaned text, money already formatted, at most MAX_ITEMS items."""

    number: str
    first_name: str
    last_name: str
    name: str  # the name the greeting uses, in the language's order (render/names.py); "" for none
    is_guest: bool
    total: str
    items: tuple[ItemView, ...]
    more_items: int  # line items not listed


@dataclass(frozen=True)
class BrandView:
    store_name: str
    support_email: str
    support_phone: str
    support_phone_href: str  # "tel:+4930..." or "" when the number has no digits
    support_url: str  # "" unless http(s)
    logo_url: str  # "" unless http(s)
    accent_color: str
    accent_text_color: str  # black or white, whichever reads better on the accent colour


def clean(value: object) -> str:
    """One line of text: control characters (CR, LF, NUL, NEL, U+2028...) become spaces; ends trimmed."""
    return _CONTROL_RE.sub(" ", str(value)).strip()


def _http_url(value: str) -> str:
    url = clean(value)
    if " " in url or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        return ""
    return url


def _text_colour_on(background: str) -> str:
    red, green, blue = (int(background[i : i + 2], 16) / 255 for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "#1f2328" if luminance > 0.6 else "#ffffff"


def _brand_view(brand: BrandSettings) -> BrandView:
    accent = brand.accent_color if _HEX_COLOUR_RE.fullmatch(brand.accent_color or "") else DEFAULT_ACCENT
    phone = clean(brand.support_phone)
    dial = re.sub(r"[^0-9+]", "", phone)
    return BrandView(
        store_name=clean(brand.store_name),
        support_email=clean(brand.support_email),
        support_phone=phone,
        support_phone_href=f"tel:{dial}" if re.search(r"\d", dial) else "",
        support_url=_http_url(brand.support_url),
        logo_url=_http_url(brand.logo_url),
        accent_color=accent,
        accent_text_color=_text_colour_on(accent),
    )


def _item_view(item: LineItem) -> ItemView:
    # Product titles are stored by WordPress with entities (`Salt &amp; Pepper`): decode, then escape once on output.
    return ItemView(name=clean(html.unescape(item.name)) or "-", quantity=item.quantity)


# --- languages and money ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Language:
    tag: str  # BCP 47, for lang="..." and Content-Language
    locale: Locale
    rtl: bool


@lru_cache(maxsize=128)
def _language(lang: str) -> _Language:
    raw = (lang or "en").strip().replace("-", "_")
    try:
        locale = Locale.parse(raw)
    except (ValueError, TypeError, UnknownLocaleError):
        locale = Locale.parse("en")
    return _Language(str(locale).replace("_", "-"), locale, locale.character_order == "right-to-left")


def format_money(amount: Decimal, currency: str, lang: str, country: str = "") -> str:
    """`48.50 EUR` in de -> "48,50 €" (CLDR, with a no-break space); an unknown or garbage code -> "12.34 XYZ".
    With the billing country, in that country's formats: 1190 MXN in es, MX -> "$1,190.00"."""
    locale = regional_locale(_language(lang).locale, clean(country))
    code = clean(currency).upper()[:10]
    if not amount.is_finite():
        return f"{amount} {code}".strip()
    with localcontext() as context:
        context.prec = 60  # Babel rounds in the current context: the default 28 digits fail on 29-digit amounts
        if re.fullmatch(r"[A-Z]{3}", code) and is_currency(code):
            try:
                pattern = currency_pattern(amount, code, locale)
                return format_currency(amount, code, pattern, locale, currency_digits=pattern is None)
            except (ValueError, ArithmeticError, LookupError):
                pass  # a code CLDR lists but cannot format: fall through to the plain form
        return f"{format_decimal(amount, format='#,##0.00', locale=locale)} {code}".strip()


def format_hold_until(deadline: datetime, zone: ZoneInfo | None, now: datetime, lang: str, country: str = "") -> str:
    """Until when hold stock keeps the order, for the buyer: the time in their zone, language and billing country's
    formats ("17:40", "5:40 p.m." in es, MX), with the date when that is not their today ("27.11.2026, 00:45")."""
    locale = regional_locale(_language(lang).locale, clean(country))
    local = deadline.astimezone(zone or UTC)
    time = format_time(local, format="short", locale=locale)
    if local.date() == now.astimezone(zone or UTC).date():
        return time
    date = format_date(local, format="medium", locale=locale)
    pattern = str(get_datetime_format("medium", locale=locale))  # "{1}, {0}": the date, then the time, in de
    return pattern.replace("{0}", time).replace("{1}", date)


# --- gettext, the way jinja2.ext.i18n calls it with newstyle=True --------------------------------------------------


def _gettext_functions(translations: gettext.NullTranslations, *, rtl: bool = False) -> dict[str, Callable[..., str]]:
    """Per-language gettext callables, passed in each render's context (one compiled template serves every language).

    Newstyle semantics: the translated string is markup in an autoescaped template and the variables are escaped
    into it with `%`, exactly as Jinja's own newstyle gettext does. In a right-to-left language the values that need
    it are isolated (<bdi>, or FSI...PDI in text: render/locales.py).
    """

    def finish(ctx: jinja2.runtime.Context, text: str, variables: dict[str, Any]) -> str:
        out: str = Markup(text) if ctx.eval_ctx.autoescape else text
        if rtl:
            isolate = isolated_html if ctx.eval_ctx.autoescape else isolated_text
            variables = {key: isolate(value) for key, value in variables.items()}
        return out % variables

    @jinja2.pass_context
    def gettext_(ctx: jinja2.runtime.Context, message: str, **variables: Any) -> str:
        return finish(ctx, translations.gettext(message), variables)

    @jinja2.pass_context
    def ngettext_(ctx: jinja2.runtime.Context, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        return finish(ctx, translations.ngettext(singular, plural, num), variables)

    @jinja2.pass_context
    def pgettext_(ctx: jinja2.runtime.Context, context: str, message: str, **variables: Any) -> str:
        return finish(ctx, translations.pgettext(context, message), variables)

    @jinja2.pass_context
    def npgettext_(
        ctx: jinja2.runtime.Context, context: str, singular: str, plural: str, num: int, **variables: Any
    ) -> str:
        variables.setdefault("num", num)
        return finish(ctx, translations.npgettext(context, singular, plural, num), variables)

    return {"gettext": gettext_, "_": gettext_, "ngettext": ngettext_, "pgettext": pgettext_, "npgettext": npgettext_}


# --- HTML fragment -> plain text -----------------------------------------------------------------------------------

_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_LINK_RE = re.compile(
    r"""<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')[^>]*>(.*?)</a\s*>""", re.IGNORECASE | re.DOTALL
)
_BREAK_RE = re.compile(r"<\s*br\b[^>]*>", re.IGNORECASE)
_BLOCK_END_RE = re.compile(r"</\s*(?:p|div|li|tr|h[1-6]|ul|ol|table|mj-text|mj-button|mj-table)\s*>", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]*>")
# HTML collapses ASCII whitespace only: a no-break space (CLDR puts one in "48,50 €") is text and stays.
_HTML_SPACE_RE = re.compile(r"[ \t\n\r\f]+")


def _link_as_text(match: re.Match[str]) -> str:
    href = html.unescape(match.group(1) if match.group(1) is not None else match.group(2) or "")
    label = match.group(3)
    shown = html.unescape(_TAG_RE.sub("", label)).strip()
    if href.startswith(("mailto:", "tel:")) or not href or href in shown:
        return label  # the address or number is the label itself; a tel: href is only its digits
    return f"{label} ({html.escape(href)})"


def html_to_text(fragment: str) -> str:
    """An autoescaped HTML fragment -> plain text: paragraphs become blank lines, links show their target.

    Only template markup can be a tag here: values were escaped, so `&lt;script&gt;` from an order comes out as the
    literal text `<script>`, never as a tag that is stripped or kept.
    """
    text = _COMMENT_RE.sub("", fragment)
    text = _HTML_SPACE_RE.sub(" ", text)  # source line breaks are not text line breaks
    text = _LINK_RE.sub(_link_as_text, text)
    text = _BREAK_RE.sub("\n", text)
    text = bdi_as_marks(text)
    text = _BLOCK_END_RE.sub("\n\n", text)
    text = html.unescape(_TAG_RE.sub("", text))
    return _tidy_text(text)


def _tidy_text(text: str) -> str:
    lines = [
        re.sub(r"[ \t]+", " ", line).strip(" \t") for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _one_line(markup: str) -> str:
    # striptags() also unescapes: values were escaped on the way in, so the subject gets them back as plain text.
    return _HTML_SPACE_RE.sub(" ", clean(Markup(markup).striptags())).strip()


# --- template errors -----------------------------------------------------------------------------------------------


def _template_error(exc: BaseException, fallback: str) -> TemplateError:
    """Name the template file and line where rendering failed (Jinja rewrites tracebacks to template lines)."""
    where = fallback
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            where = f"{frame.filename}, line {frame.lineno}"
            break
    if isinstance(exc, jinja2.TemplateNotFound):
        return TemplateError(f"{where}: template {exc.name!r} not found")
    return TemplateError(f"{where}: {exc}")


def _shipped_dir() -> Path:
    """The templates shipped in the wheel (`wcrecall.emails`), or `emails/` beside the package in a source tree."""
    try:
        root = resources.files("wcrecall.emails")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "emails"
    if not isinstance(root, Path):
        raise TemplateError("the templates shipped with wcrecall are not in a folder; install wcrecall unzipped")
    return root


def _sample_order(*, guest: bool, items: int) -> Order:
    moment = datetime(2026, 1, 15, 10, 30, tzinfo=UTC)
    names = ["Blue T-shirt", "Salt &amp; Pepper grinder", '<img src=x onerror="alert(1)">', "Café crème ☕"]
    return Order(
        id=1234,
        number="1234",
        status="failed",
        currency="EUR" if not guest else "JPY",
        total=Decimal("48.50") if not guest else Decimal(3500),
        customer_id=0 if guest else 7,
        email="jane.doe@example.com",
        first_name="Jane" if not guest else "<b>Bob</b>\r\nBcc: x@example.org",
        last_name="Doe",
        country="DE",
        state="",
        payment_method="stripe",
        payment_method_title="Credit card",
        created_via="checkout",
        cart_hash="",
        customer_ip="",
        date_created=moment,
        date_modified=moment,
        date_paid=None,
        needs_payment=True,
        payment_url="https://shop.example.com/checkout/order-pay/1234/?pay_for_order=true&key=wc_order_sample",
        line_items=tuple(LineItem(names[i % len(names)], i % 3 + 1, Decimal("10.00")) for i in range(items)),
    )


RECORD_KEEP = 8  # fingerprints of passed template checks remembered (one per set of languages in use, mostly)
_FINGERPRINT_RE = re.compile(r"[0-9a-f]{64}")


# --- the renderer --------------------------------------------------------------------------------------------------


class Renderer:
    """Compiles the templates once and renders reminders; build one per run and reuse it for every email."""

    def __init__(
        self, *, brand: BrandSettings, emails_dir: Path | None = None, locale_dirs: Sequence[Path] = ()
    ) -> None:
        shipped = _shipped_dir()
        directory = Path(emails_dir).expanduser() if emails_dir is not None else shipped
        if not directory.is_dir():
            raise TemplateError(f"{directory}: the emails folder does not exist (recall.emails_dir)")
        self.directory = directory
        self._brand = _brand_view(brand)
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(directory)),
            autoescape=jinja2.select_autoescape(
                enabled_extensions=("mjml.j2", "html.j2", "mjml", "html"), default=False
            ),
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            # Compiled once per run: no stat() of every template for every email. Block tags keep their line breaks
            # (no trim_blocks): in HTML they are just whitespace, and two sentences on two lines stay two sentences.
            auto_reload=False,
        )
        # Title and preview hold text only: a block's <bdi> becomes FSI...PDI there, its other markup goes.
        self._env.filters["as_text"] = lambda markup: _HTML_SPACE_RE.sub(" ", html_to_text(str(markup))).strip()
        self._env.policies["ext.i18n.trimmed"] = True  # translators get one-line msgids, whatever the indentation
        self._env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        self._templates: dict[str, jinja2.Template] = {}
        for path in sorted(directory.iterdir()):
            if path.is_file() and path.name.endswith(".j2"):
                self._templates[path.name] = self._compile(path)
        self._step_names = {
            int(m.group(1)): name for name in self._templates if (m := _STEP_RE.match(name)) and int(m.group(1)) >= 1
        }
        self._steps = sorted(self._step_names)
        if not self._steps:
            raise TemplateError(f"{directory}: no step template (expected step-1.mjml.j2, step-2.mjml.j2, ...)")
        if LAYOUT_TEXT not in self._templates:
            raise TemplateError(f"{directory / LAYOUT_TEXT}: missing (the plain-text part of every email)")
        dirs: list[Path] = []
        for candidate in (*locale_dirs, directory / "locale", shipped / "locale"):
            if candidate.is_dir() and candidate.resolve() not in {d.resolve() for d in dirs}:
                dirs.append(candidate)
        self._locale_dirs = tuple(dirs)
        self._gettext_cache: dict[str, dict[str, Callable[..., str]]] = {}

    def __repr__(self) -> str:
        return f"Renderer(directory={str(self.directory)!r}, steps={self._steps})"

    def _compile(self, path: Path) -> jinja2.Template:
        try:
            return self._env.get_template(path.name)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{exc.filename or path}, line {exc.lineno}: {exc.message}") from None
        except UnicodeDecodeError:
            raise TemplateError(f"{path}: not UTF-8 text") from None

    def template_for(self, step: int) -> str:
        """The step's own template, or the highest-numbered one for a step without its own."""
        return self._step_names.get(step) or self._step_names[self._steps[-1]]

    def _gettext(self, language: _Language) -> dict[str, Callable[..., str]]:
        key = str(language.locale)
        if key not in self._gettext_cache:
            chain: gettext.NullTranslations | None = None
            for directory in self._locale_dirs:
                try:
                    found = Translations.load(str(directory), catalog_names(language.locale), domain=DOMAIN)
                except Exception as exc:  # noqa: BLE001  # a damaged .mo raises anything from OSError to struct.error
                    raise TemplateError(f"{directory}: the {key} catalog {DOMAIN}.mo cannot be read ({exc})") from None
                if isinstance(found, Translations):  # load() returns NullTranslations when there is no catalog
                    if chain is None:
                        chain = found
                    else:
                        chain.add_fallback(found)
            self._gettext_cache[key] = _gettext_functions(chain or gettext.NullTranslations(), rtl=language.rtl)
        return self._gettext_cache[key]

    def check(self, *, steps: int = 3, languages: Sequence[str] = ("en",)) -> None:
        """Render every step x kind x language with sample orders (registered and guest, last step or not).

        Raises TemplateError naming the template and the problem, so `run` and `doctor` stop before sending anything.
        """
        samples = (
            (_sample_order(guest=False, items=3), None, ()),
            (_sample_order(guest=True, items=MAX_ITEMS + 5), "customer_input", ("PayPal", "Bank transfer")),
        )
        for lang in languages:
            for step in range(1, steps + 1):
                for total_steps in sorted({step, steps}):
                    for kind in KINDS:
                        for order, reason, methods in samples:
                            email = self.render(
                                order=order,
                                step=step,
                                total_steps=total_steps,
                                kind=kind,
                                pay_url=order.payment_url,
                                lang=lang,
                                reason=reason,
                                payment_methods=methods,
                            )
                            self._check_output(email, order.payment_url, self.template_for(step))

    def fingerprint(self, *, steps: int, languages: Sequence[str]) -> str:
        """One hash of everything `check` depends on: wcrecall's version, the brand, the steps and languages checked,
        and the name and content of every file in the emails folder and the translation folders."""
        digest = hashlib.sha256()
        for part in (__version__, repr(self._brand), str(steps), ",".join(sorted(set(languages)))):
            digest.update(part.encode("utf-8") + b"\0")
        for folder in (self.directory, *self._locale_dirs):
            for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
                digest.update(str(path).encode("utf-8", "surrogateescape") + b"\0" + path.read_bytes() + b"\0")
        return digest.hexdigest()

    def check_once(self, *, steps: int, languages: Sequence[str], record: Path | None) -> None:
        """`check`, unless the file `record` lists the fingerprint of these very templates as passed. A missing or
        unreadable record means check again; a change to any template, translation or brand setting changes the
        fingerprint. A passed check is added to the record (the last RECORD_KEEP fingerprints are kept)."""
        fingerprint = self.fingerprint(steps=steps, languages=languages)
        known: list[str] = []
        if record is not None:
            try:
                known = [line for line in record.read_text(encoding="ascii").split() if _FINGERPRINT_RE.fullmatch(line)]
            except (OSError, UnicodeDecodeError):
                known = []
            if fingerprint in known:
                return
        self.check(steps=steps, languages=languages)
        if record is not None:
            kept = [*known[-(RECORD_KEEP - 1) :], fingerprint]
            try:
                atomic_write(record, ("\n".join(kept) + "\n").encode("ascii"))
            except OSError:
                pass  # only a saving: the next run checks again

    def _check_output(self, email: RenderedEmail, pay_url: str, name: str) -> None:
        where = self.directory / name
        if not email.subject:
            raise TemplateError(f"{where}: the subject is empty")
        if html.escape(pay_url) not in email.html and pay_url not in email.html:
            raise TemplateError(f"{where}: the HTML part has no pay link ({{{{ pay_url }}}})")
        if pay_url not in email.text:
            raise TemplateError(f"{self.directory / LAYOUT_TEXT}: the text part has no pay link ({{{{ pay_url }}}})")

    def render(
        self,
        *,
        order: Order,
        step: int,
        total_steps: int,
        kind: str,
        pay_url: str,
        lang: str = "en",
        reason: str | None = None,
        payment_methods: Sequence[str] = (),
        hold_until: str = "",
    ) -> RenderedEmail:
        """One reminder. Raises TemplateError if a template fails; ValueError for a bad kind, step or pay_url."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if step < 1 or total_steps < 1:
            raise ValueError(f"step and total_steps start at 1, got step={step} total_steps={total_steps}")
        if _http_url(pay_url) != pay_url:
            raise ValueError("pay_url must be an http(s) address without spaces or control characters")
        language = _language(lang)
        shown = order.line_items[:MAX_ITEMS]
        methods = [m for m in dict.fromkeys(clean(p) for p in payment_methods) if m]
        first, last = clean(order.first_name), clean(order.last_name)
        # html lang: the buyer's full locale (es-MX, the formats' locale), so screen readers pick the regional voice
        tag = str(regional_locale(language.locale, clean(order.country))).replace("_", "-")
        values: dict[str, Any] = {
            "lang": tag,
            "dir": "rtl" if language.rtl else "ltr",
            "align": "right" if language.rtl else "left",
            "align_end": "left" if language.rtl else "right",
            "kind": kind,
            "step": step,
            "total_steps": total_steps,
            "is_last": step >= total_steps,
            "reason": clean(reason) if reason else None,
            "payment_methods": methods,
            "payment_methods_text": method_list(methods, language.locale, rtl=language.rtl),
            "pay_url": pay_url,
            "plain_text": False,
            "hold_until": clean(hold_until),
            "brand": self._brand,
            "order": OrderView(
                number=clean(order.number) or str(order.id),
                first_name=first,
                last_name=last,
                name=greeting_name(first, last, language.tag),
                is_guest=order.is_guest,
                total=format_money(order.total, order.currency, language.tag, order.country),
                items=tuple(_item_view(item) for item in shown),
                more_items=len(order.line_items) - len(shown),
            ),
            **self._gettext(language),
        }
        name = self.template_for(step)
        template = self._templates[name]
        try:
            try:
                context = template.new_context(values)
                source = self._env.concat(template.root_render_func(context))

                def block(block_name: str, *, plain_text: bool = False) -> str:
                    # After the root render, context.blocks holds the whole chain, child first (as self.<block>() uses).
                    chain = context.blocks.get(block_name)
                    if not chain:
                        raise jinja2.UndefinedError(f"{name} has no block {block_name!r}")
                    context.vars["plain_text"] = plain_text  # the text part points at a link, not a button
                    return str(self._env.concat(chain[0](context)))

                subject = _one_line(block("subject"))
                preheader = _one_line(block("preheader"))
                layout = self._templates[LAYOUT_TEXT]
                text_context = layout.new_context({**values, "part": lambda n: html_to_text(block(n, plain_text=True))})
                text = _tidy_text(self._env.concat(layout.root_render_func(text_context)))
            except Exception:  # noqa: BLE001  # re-raised with the traceback rewritten to template lines
                self._env.handle_exception()
        except Exception as exc:  # noqa: BLE001  # anything a template does wrong is the template's error
            raise _template_error(exc, str(self.directory / name)) from None
        try:
            # fonts={}: no web-font <link>s; loading fonts from a third party on open is a privacy problem in the EU.
            html_out = mjml.mjml2html(source, fonts={})
        except ValueError as exc:
            raise TemplateError(f"{self.directory / name}: not valid MJML ({exc})") from None
        to_name = display_name(first, last, language.tag)
        return RenderedEmail(subject, preheader, html_out, text + "\n", language.tag, to_name)
