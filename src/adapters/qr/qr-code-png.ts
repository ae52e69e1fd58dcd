import QRCode from 'qrcode';

/**
 * The enrollment QR code as a `data:image/png;base64,` URL (pages show it with `<img>`; the CSP allows
 * `img-src data:`). Error correction M and a quiet zone of 4 modules, as ISO/IEC 18004 asks, so that
 * phone cameras and the NFC burner apps of hardware tokens read it at a glance.
 */
export async function qrCodePngDataUrl(text: string): Promise<string> {
  return QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 4, scale: 5, type: 'image/png' });
}
