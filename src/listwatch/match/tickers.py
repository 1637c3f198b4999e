"""Tickers as custodians write them -> one key per listing: ``symbol@market``.

A holdings file may say ``0941@HK``, ``941 HK Equity`` (Bloomberg), ``0941.HK`` (Reuters / Yahoo),
``002415@SZ`` or ``600118@XSHG`` (an ISO 10383 MIC); the bundled data says ``941@HK`` and
``002415@CN``. :func:`ticker_key` maps all of them to the same key:

* the exchange is folded to a market code - the code the dataset uses (ISO 3166 country, ``CN``
  for China A-shares on Shanghai or Shenzhen) - through exchange names, Bloomberg and Reuters
  codes and MICs (:data:`MARKETS`; an unknown code is kept as written, upper case). ``CN`` means
  China here, as in the dataset, although Bloomberg uses it for Canada;
* Hong Kong codes are numbers: leading zeros are dropped (``0941`` == ``941``);
* A-share codes have six digits: zeros lost by a spreadsheet are put back (``2415`` -> ``002415``);
* a share-class separator is written ``.`` (``BRK/B``, ``BRK-B`` -> ``BRK.B``).

Pure functions; no I/O.
"""

from __future__ import annotations

import re

__all__ = ["MARKETS", "market", "split_ticker", "ticker_key"]

_CODES = {
    "HK": "HK HKG HKEX SEHK HKSE XHKG",
    "CN": "CN CH C1 C2 SS SH SHG SSE XSHG SZ SHE SZSE XSHE",
    "US": "US UN UW UQ UR UA UP UV N O A NYSE NYS NASDAQ NAS NMS AMEX ARCA XNYS XNAS XASE ARCX BATS OTC PK XOTC",
    "DE": "DE GR GY GF GM GS GB GD GH GI F DE XETRA XETR ETR FRA XFRA FWB BER XBER MUN XMUN STU XSTU DUS XDUS HAM XHAM",
    "SG": "SG SP SI SGX SES XSES",
    "RU": "RU RM RX MM ME MOEX MCX XMOS",
    "BR": "BR BZ BS SA B3 BVMF",
    "AR": "AR BA BCBA BYMA XBUE",
    "CA": "CA CT CV TO V TSX TSXV XTSE XTSX",
    "GB": "GB UK LN L LSE XLON",
    "JP": "JP JT T TYO TSE XTKS",
    "TW": "TW TT TWO XTAI",
    "KR": "KR KS KQ KRX XKRX",
}
MARKETS: dict[str, str] = {code: mkt for mkt, codes in _CODES.items() for code in codes.split()}
_SEP = re.compile(r"[/\-\s]+")


def market(exchange: str) -> str:
    """``XHKG`` -> ``HK``, ``SZ`` -> ``CN``; an unknown exchange code comes back upper-cased."""
    code = exchange.strip().upper()
    return MARKETS.get(code, code)


def ticker_key(symbol: str, exchange: str | None = None) -> str:
    """``symbol@market`` (or the bare symbol without an exchange), normalised as above."""
    sym = _SEP.sub(".", symbol.strip().upper()).strip(".")
    if not exchange or not exchange.strip():
        return sym
    mkt = market(exchange)
    if sym.isdigit():
        if mkt == "HK":
            sym = sym.lstrip("0") or "0"
        elif mkt == "CN" and len(sym) < 6:
            sym = sym.zfill(6)
    return f"{sym}@{mkt}"


def split_ticker(text: str) -> tuple[str, str]:
    """(symbol, exchange as written) from ``SYM@EX``, ``SYM EX [Equity]`` or ``SYM.EX``; exchange "" if none.

    A space or a dot separates an exchange only when what follows is a known exchange code, so a
    share class (``BRK.B``) stays part of the symbol.
    """
    raw = text.strip()
    if "@" in raw:
        sym, _, exch = raw.partition("@")
        return sym.strip(), exch.strip()
    words = raw.split()
    if len(words) > 1 and words[-1].upper() == "EQUITY":
        words = words[:-1]
    if len(words) == 2 and words[1].upper() in MARKETS:
        return words[0], words[1]
    sym, dot, suffix = raw.rpartition(".")
    if dot and sym and suffix.upper() in MARKETS and (sym.isdigit() or len(suffix) > 1):
        return sym, suffix
    return raw, ""
