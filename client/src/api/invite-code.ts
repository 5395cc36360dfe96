/**
 * Invitation codes however they are typed or pasted: spaces, hyphens (any dash), dots,
 * case, even the whole link. The server normalises the same way (server/plans/service.py).
 */
const ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
const LENGTH = 16
const SEPARATORS = /[\s\-_.\u2010-\u2015\u2212]+/g

export const NOT_A_CODE =
  "That is not an invitation code. A code has 16 letters and numbers, like ABCD-EFGH-JKLM-NPQR: check it, or ask for the link again."

/** "ABCD-EFGH-JKLM-NPQR", or undefined if `typed` cannot be a code. */
export function normaliseCode(typed: string): string | undefined {
  if (typed.length > 2000) return undefined
  const link = typed.match(/#\/join\/(.*)$/)
  const text = link?.[1] !== undefined ? safeDecode(link[1]) : typed
  const compact = text.replace(SEPARATORS, "").toUpperCase()
  if (compact.length !== LENGTH) return undefined
  for (const c of compact) if (!ALPHABET.includes(c)) return undefined
  return compact.match(/.{4}/g)?.join("-")
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
