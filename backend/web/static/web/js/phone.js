// Phone numbers for people. The server formats them with the phonenumbers library, in the international format
// of each number's own country ("+55 11 99999-0000"), and sends the result as phone_number_display beside the
// number: the page shows that and keeps no formatting rules of its own.

export function displayPhone(account) {
  if (!account || !account.phone_number) return "";
  return account.phone_number_display || `+${account.phone_number}`;
}
