"""Render the reminder emails: Jinja2 templates written in MJML -> responsive HTML, plus a plain-text part.

Only the render package imports `jinja2` and `mjml` (values and formats: render/formats.py). Templates live in
`emails/` (shipped as `wcrecall.emails`) or in the owner's `recall.emails_dir`:

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

import hashlib
import html
import re
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import jinja2.runtime

from wcrecall import __version__
from wcrecall.config.settings import BrandSettings
from wcrecall.model.errors import TemplateError
from wcrecall.model.order import Order
from wcrecall.plan.methods import MethodOffer
from wcrecall.render.catalogs import read_strings, translations
from wcrecall.render.compiled import _bytecode_cache
from wcrecall.render.formats import (
    _HTML_SPACE_RE,
    OrderView,
    _brand_view,
    _gettext_functions,
    _http_url,
    _item_view,
    _Language,
    _language,
    _one_line,
    _tidy_text,
    clean,
    format_hold_until,
    format_money,
    hold_values,
    html_to_text,
)
from wcrecall.render.locales import (
    method_list,
    regional_locale,
)
from wcrecall.render.mjmlhtml import mjml_to_html
from wcrecall.render.names import display_name, greeting_name
from wcrecall.render.samples import sample_order

__all__ = [
    "KINDS",
    "MAX_ITEMS",
    "REASONS",
    "RenderedEmail",
    "Renderer",
    "format_hold_until",
    "format_money",
    "html_to_text",
]

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
LAYOUT_TEXT = "layout.txt.j2"
METHOD_WORDS = "method-words.j2"  # the payment methods worded in the buyer's language (plan/methods.py keys)

_STEP_RE = re.compile(r"^step-(\d+)\.mjml\.j2$")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    preheader: str
    html: str
    text: str
    lang: str  # BCP 47 tag actually used, e.g. "de", "zh-Hans"; "en" for an unknown language
    to_name: str = ""  # the buyer's name for `To:`, written the way the language writes names (render/names.py)


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


RECORD_KEEP = 8  # fingerprints of passed template checks remembered (one per set of languages in use, mostly)
_FINGERPRINT_RE = re.compile(r"[0-9a-f]{64}")


# --- the renderer --------------------------------------------------------------------------------------------------


class Renderer:
    """Compiles the templates once and renders reminders; build one per run and reuse it for every email."""

    def __init__(
        self,
        *,
        brand: BrandSettings,
        emails_dir: Path | None = None,
        locale_dirs: Sequence[Path] = (),
        compiled_dir: Path | None = None,
        strings_dir: Path | None = None,
    ) -> None:
        """`compiled_dir`: a private folder where compiled templates are kept from run to run (CompiledTemplates);
        `strings_dir`: the owner's wording overrides, `<lang>.po` files (render/catalogs.py)."""
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
            bytecode_cache=_bytecode_cache(compiled_dir),
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
        self._strings_dir = strings_dir
        self._strings = read_strings(strings_dir) if strings_dir is not None else {}
        self._gettext_cache: dict[str, dict[str, Callable[..., str]]] = {}
        self._words_cache: dict[str, dict[str, str]] = {}
        # An owner's emails folder without its own method words uses the shipped ones.
        self._words_template = self._templates.get(METHOD_WORDS) or self._env.from_string(
            (shipped / METHOD_WORDS).read_text(encoding="utf-8")
        )

    def __repr__(self) -> str:
        return f"Renderer(directory={str(self.directory)!r}, steps={self._steps})"

    def _compile(self, path: Path) -> jinja2.Template:
        try:
            return self._env.get_template(path.name)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{exc.filename or path}, line {exc.lineno}: {exc.message}") from None
        except UnicodeDecodeError:
            raise TemplateError(f"{path}: not UTF-8 text") from None

    def _method_words(self, language: _Language) -> dict[str, str]:
        """The method keys of plan/methods.py worded in `language` (METHOD_WORDS' `words`)."""
        key = str(language.locale)
        if key not in self._words_cache:
            try:
                words = getattr(self._words_template.make_module(dict(self._gettext(language))), "words", None)
            except Exception as exc:  # noqa: BLE001  # anything the template does wrong is the template's error
                raise _template_error(exc, str(self.directory / METHOD_WORDS)) from None
            if not isinstance(words, dict):
                raise TemplateError(f"{self.directory / METHOD_WORDS}: it must set `words` to a dict")
            self._words_cache[key] = {str(k): str(v) for k, v in words.items()}
        return self._words_cache[key]

    def template_for(self, step: int) -> str:
        """The step's own template, or the highest-numbered one for a step without its own."""
        return self._step_names.get(step) or self._step_names[self._steps[-1]]

    def _gettext(self, language: _Language) -> dict[str, Callable[..., str]]:
        key = str(language.locale)
        if key not in self._gettext_cache:
            chain = translations(language.locale, strings=self._strings, locale_dirs=self._locale_dirs)
            self._gettext_cache[key] = _gettext_functions(chain, rtl=language.rtl)
        return self._gettext_cache[key]

    def check(self, *, steps: int = 3, languages: Sequence[str] = ("en",)) -> None:
        """Render every step x kind x language with sample orders (registered and guest, last step or not).

        Raises TemplateError naming the template and the problem, so `run` and `doctor` stop before sending anything.
        """
        samples = (
            (sample_order(guest=False, items=3), None, ()),
            (
                sample_order(guest=True, items=MAX_ITEMS + 5),
                "customer_input",
                (MethodOffer(key="another_card"), MethodOffer(name="PayPal"), MethodOffer(key="bank_transfer")),
            ),
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
        for folder in (self.directory, *self._locale_dirs, *([self._strings_dir] if self._strings_dir else [])):
            for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
                digest.update(str(path).encode("utf-8", "surrogateescape") + b"\0" + path.read_bytes() + b"\0")
        return digest.hexdigest()

    def check_once(
        self, *, steps: int, languages: Sequence[str], record: Path | None, save: Callable[[Path, bytes], None]
    ) -> None:
        """`check`, unless the file `record` lists the fingerprint of these very templates as passed. A missing or
        unreadable record means check again; a change to any template, translation or brand setting changes the
        fingerprint. A passed check is added to the record with `save` (the state's atomic write; the last
        RECORD_KEEP fingerprints are kept)."""
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
                save(record, ("\n".join(kept) + "\n").encode("ascii"))
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
        payment_methods: Sequence[str | MethodOffer] = (),
        hold_until: str = "",
        link_kind: str = "",  # "" or "template": pay_url pays this order; "reorder": orders again; "none": no link
    ) -> RenderedEmail:
        """One reminder. Raises TemplateError if a template fails; ValueError for a bad kind, step or pay_url."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if step < 1 or total_steps < 1:
            raise ValueError(f"step and total_steps start at 1, got step={step} total_steps={total_steps}")
        if (pay_url or link_kind != "none") and _http_url(pay_url) != pay_url:
            raise ValueError("pay_url must be an http(s) address without spaces or control characters")
        language = _language(lang)
        shown = order.line_items[:MAX_ITEMS]
        words = self._method_words(language)
        named = (
            (words.get(p.key, p.key) if p.key else p.name) if isinstance(p, MethodOffer) else p for p in payment_methods
        )
        methods = [m for m in dict.fromkeys(clean(p) for p in named) if m]
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
            "pay_link": link_kind,
            "plain_text": False,
            **hold_values(hold_until),
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
        html_out = mjml_to_html(source, str(self.directory / name))
        to_name = display_name(first, last, language.tag)
        return RenderedEmail(subject, preheader, html_out, text + "\n", language.tag, to_name)
