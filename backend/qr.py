"""QR images for presented codes: inline SVG, crisp on any phone screen."""

from __future__ import annotations

import qrcode
import qrcode.constants
from qrcode.image.svg import SvgPathImage

QUIET_ZONE = 4  # modules of white on every side, as ISO/IEC 18004 asks; scanners miss codes with less


def qr_svg(text: str) -> str:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=QUIET_ZONE)
    qr.add_data(text.upper())
    qr.make(fit=True)
    return qr.make_image(image_factory=SvgPathImage).to_string(encoding="unicode")


def qr_version(text: str) -> int:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text.upper())
    qr.make(fit=True)
    return qr.version
