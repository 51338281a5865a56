// Proof of presence on the phone: the home's presence card read by the camera, or its code typed.
// The card's QR code holds `ltc-presence:1:<person id>:<base32 secret>`; the phone computes from
// it, offline, the card's 6-digit time code (TOTP, RFC 6238: HMAC-SHA1, 30-second steps) for the
// event's own time and sends only those digits. A typed code (the card's printed household code)
// is sent as typed. Nothing of the secret is kept once the event is made.
(function (scope) {
  const CARD = /^ltc-presence:1:(\d+):([A-Z2-7]+)=*$/i;
  const TYPED = /^[0-9]{6}$/;
  const STEP_SECONDS = 30;

  // What a scanned text says: a card of a person ({personId, secret}), six digits ({code}), or null.
  function readCard(text) {
    const value = String(text || "").trim();
    const card = CARD.exec(value);
    if (card) return { personId: Number(card[1]), secret: card[2].toUpperCase() };
    if (TYPED.test(value)) return { code: value };
    return null;
  }

  function base32Bytes(text) {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let bits = 0;
    let value = 0;
    const out = [];
    for (const char of text.toUpperCase().replace(/=+$/, "")) {
      const index = alphabet.indexOf(char);
      if (index < 0) throw new Error("not base32");
      value = (value << 5) | index;
      bits += 5;
      if (bits >= 8) {
        out.push((value >>> (bits - 8)) & 0xff);
        bits -= 8;
      }
    }
    return new Uint8Array(out);
  }

  // The card's time code for a moment (milliseconds since 1970).
  async function timeCode(secret, atMs) {
    const counter = Math.floor(atMs / 1000 / STEP_SECONDS);
    const message = new Uint8Array(8);
    new DataView(message.buffer).setUint32(0, Math.floor(counter / 2 ** 32));
    new DataView(message.buffer).setUint32(4, counter >>> 0);
    const key = await crypto.subtle.importKey("raw", base32Bytes(secret), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
    const offset = mac[mac.length - 1] & 0x0f;
    const number =
      ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
    return String(number % 1000000).padStart(6, "0");
  }

  // Reads QR codes from the back camera into `video` until one is read or `stop()` is called;
  // `onText` gets the first text read. Rejects when the phone has no camera or refuses it.
  async function scan(video, onText) {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "environment", width: { ideal: 640 }, height: { ideal: 480 } },
      audio: false,
    });
    video.srcObject = stream;
    await video.play();
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    let running = true;
    const stop = () => {
      running = false;
      for (const track of stream.getTracks()) track.stop();
      video.srcObject = null;
    };
    const look = () => {
      if (!running) return;
      if (video.readyState >= 2 && video.videoWidth) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0);
        const image = context.getImageData(0, 0, canvas.width, canvas.height);
        const found = scope.jsQR ? scope.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" }) : null;
        if (found && found.data) {
          stop();
          onText(found.data);
          return;
        }
      }
      requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
    return stop;
  }

  // A photo at the door as a JPEG data URL of at most 100 KB (one bar of signal sends it):
  // scaled to 1024 px on its long side, then lower quality, then smaller, until it fits.
  const PHOTO_MAX_BYTES = 100 * 1024;
  async function downscalePhoto(file) {
    const bitmap = await createImageBitmap(file);
    const canvas = document.createElement("canvas");
    let side = 1024;
    for (;;) {
      const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      for (const quality of [0.8, 0.65, 0.5, 0.35]) {
        const url = canvas.toDataURL("image/jpeg", quality);
        if (((url.length - url.indexOf(",") - 1) * 3) / 4 <= PHOTO_MAX_BYTES) return url;
      }
      side = Math.round(side * 0.7);
    }
  }

  scope.LtcPresence = { readCard, timeCode, scan, base32Bytes, downscalePhoto };
})(window);
