/**
 * What the client's `Accept` header allows. Claude's connector has been seen sending only one of the two
 * types the spec requires, or `*\/*`; the gateway answers in whichever form the client can read instead of
 * refusing with 406.
 */
export interface AcceptedForms {
  json: boolean;
  sse: boolean;
}

export function acceptedForms(accept: string | undefined): AcceptedForms {
  if (accept === undefined || accept.trim() === '') return { json: true, sse: true };
  const a = accept.toLowerCase();
  const any = a.includes('*/*');
  return {
    json: any || a.includes('application/json') || a.includes('application/*'),
    sse: any || a.includes('text/event-stream') || a.includes('text/*'),
  };
}
