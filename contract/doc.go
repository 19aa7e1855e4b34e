// Package contract checks HTTP exchanges of the SCM cancel-cert operation
// against the OpenAPI document in package openapi, with kin-openapi's
// openapi3filter, and serves a mock of the operation built on the generated
// server interface in contract/internal/server.
//
// Its parts:
//
//   - Validator checks a whole Exchange (route, parameters, credentials,
//     status, content type, headers, body) and reports every Problem in a
//     *ValidationError. It judges bodies and media types by package scm's
//     rules, the client's, so that both reach one verdict; the mock, the
//     transport and the recorder use it. RegisterJSONBodyDecoder is how it
//     makes kin-openapi read JSON by those rules.
//   - Transport (also named ValidatingTransport) is the package's one
//     http.RoundTripper: it reads each exchange once, validates it once,
//     and hands it with the Verdict (problems and drift notes) to its
//     Hooks. NewValidatingTransport,
//     NewTransport, HookFunc and ReportTo build and feed it.
//   - Recorder is a Hook that writes each exchange as a Recording, with
//     the verdict's drift notes, after its Redactor removed the secrets (see also IsCredentialHeader and
//     RedactHeaders).
//   - Recording is one exchange kept on disk, with where it came from;
//     ReadRecording, ReadRecordings and WriteRecording move them.
//   - Mock is an http.Handler that serves the documented responses, chosen
//     with the header "Prefer: code=NNN" (the convention of the Prism mock
//     server), and that validates both what it receives and what it sends.
//     NewMock and StartMock build it; the MockOptions set its request IDs,
//     log, clock and accepted credentials. A test can drive it:
//     certificates with states (WithCertificate), scripted answers and
//     faults (Mock.Script), and a journal of the requests it received
//     (Mock.Requests).
//   - DriftNotes lists what an exchange shows that the spec does not
//     document but the Validator tolerates: Notes of drift, not problems.
//     Validator.ValidateWithNotes returns them beside the verdict.
//   - LiveConfig, read by LiveConfigFromEnv, is what a live run against the
//     real service needs (see TestLive and make live).
//
// Every error the package returns starts with "contract: ".
//
// # Recordings
//
// A recording is one JSON file under testdata/recordings, one exchange per
// file, named after its Name. Its fields:
//
//	{
//	  "name": "document-200-success",        // also the file name, without .json
//	  "description": "what the exchange shows",
//	  "provenance": {
//	    "source": "document",                // document | live | mock | crafted
//	    "reference": "where exactly",         // page, endpoint, or test that made it
//	    "date": "2026-11-27",                 // required for live: the day of the call
//	    "endpoint": "https://scm...",         // required for live: the endpoint called
//	    "note": "anything inferred rather than seen"
//	  },
//	  "expect": {
//	    "valid": false,                       // whether the exchange keeps the contract
//	    "reason": "why it must fail, in words",
//	    "kind": "response-body",              // the Kind of Problem it must fail with
//	    "contains": "message"                 // a substring of that problem's message
//	  },
//	  "request": {
//	    "method": "POST",
//	    "url": "https://scm.cn-north-4.myhuaweicloud.com/v2/.../cancel-cert",
//	    "headers": {"X-Auth-Token": ["REDACTED"]},
//	    "body": ""
//	  },
//	  "response": {
//	    "status": 200,
//	    "headers": {"Content-Type": ["application/json"]},
//	    "body": "{ \"cert_id\": \" scs1481110651012\", \"message\": \"success\" }"
//	  },
//	  "notes": [                              // optional: drift seen when recorded
//	    {"kind": "header", "subject": "X-Trace-Id", "message": "the header X-Trace-Id is not documented for response 200"}
//	  ]
//	}
//
// The sources mean: "document" copies an example of the SCM API reference
// (headers the document does not show are inferred and say so in the note);
// "live" is a call to the real service on the given date and endpoint;
// "mock" is what this package's Mock answered; "crafted" is an exchange made
// by hand to break the contract, never presented as a real response.
//
// Bodies are kept byte for byte: "body" holds them as a JSON string when they
// are valid UTF-8, and "body_base64" holds them otherwise. Secrets are never
// kept: credential headers read "REDACTED" (see IsCredentialHeader), and a
// live recording passes through a Redactor before it is written.
//
// "notes" lists what the exchange showed that the spec did not document but
// the Validator tolerated, as DriftNotes found it when the exchange was
// recorded (the Recorder writes the notes of the Transport's verdict): an undocumented body member ("member", subject a JSON pointer),
// response header ("header", subject its name) or media-type parameter
// ("media-type-parameter", subject "name=value"). Notes never make a
// recording invalid.
//
// A recording whose "expect.valid" is true must pass the Validator; one whose
// "expect.valid" is false must fail it with a problem of the stated kind whose
// message contains the stated text. Adding a case to the corpus is adding a
// file.
package contract
