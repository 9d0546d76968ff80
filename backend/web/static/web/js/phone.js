// Phone numbers for people: E.164 digits ("6281234567890") -> "+62 812-3456-7890".
// The same rules as backend/web/phone.py (the server's first paint); tests/web checks that both agree.

// ITU country codes of one and two digits; every other code has three.
const ONE_DIGIT = new Set(["1", "7"]);
const TWO_DIGITS = new Set([
  "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49",
  "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
  "86", "90", "91", "92", "93", "94", "95", "98",
]);

export function splitCountryCode(digits) {
  if (ONE_DIGIT.has(digits.slice(0, 1))) return [digits.slice(0, 1), digits.slice(1)];
  if (TWO_DIGITS.has(digits.slice(0, 2))) return [digits.slice(0, 2), digits.slice(2)];
  return [digits.slice(0, 3), digits.slice(3)];
}

function chunks(text, sizes) {
  const out = [];
  let at = 0;
  for (const size of sizes) {
    out.push(text.slice(at, at + size));
    at += size;
  }
  if (at < text.length) out.push(text.slice(at));
  return out.filter(Boolean);
}

// Groups of three, ending in a group of four (or two of four) so that no group has one or two digits.
export function groupNational(national, countryCode = "") {
  const n = national.length;
  if (countryCode === "62" && n >= 9) return chunks(national, [3, 4]); // Indonesia: 812-3456-7890
  if (countryCode === "1" && n === 10) return chunks(national, [3, 3, 4]); // NANP: 415-555-0100
  if (n <= 5) return [national];
  let sizes;
  if (n % 3 === 0) sizes = Array(n / 3).fill(3);
  else if (n % 3 === 1) sizes = [...Array((n - 4) / 3).fill(3), 4];
  else sizes = [...Array((n - 8) / 3).fill(3), 4, 4];
  return chunks(national, sizes);
}

export function formatPhone(value) {
  const digits = String(value ?? "").replace(/\D/g, "");
  if (digits.length < 7) return digits ? `+${digits}` : "";
  const [code, national] = splitCountryCode(digits);
  return `+${code} ${groupNational(national, code).join("-")}`;
}
