# Interface of the public pages and the emails, in English (the source language).
# Every other locale has the same keys; see "Translating" in the README.

## Page shell

skip-to-content = Skip to main content
footer-about = { $site } hosts open letters. A signature counts only once it has been confirmed by email, and email addresses are never published.
footer-privacy = Privacy
footer-my-data = Ask for your data
language-switcher = Language

## Shared words

signatures = { $count ->
    [one] { $n } signature
   *[other] { $n } signatures
}
deadline = Deadline: { $date }
back-to-letter = Back to the letter
optional = (optional)
error-prefix = Error:{" "}

## Home page

home-title = Open letters
home-lead = Read an open letter and add your name, or your organisation’s. Every signature is confirmed by email before it counts.
home-empty = There are no open letters here at the moment.
home-come-back = Please come back later.
home-description = Open letters you can sign as an individual or on behalf of an organisation.

## Error page

error-code = Error { $status }
error-wait-seconds = { $count ->
    [one] Please wait { $n } second and try again.
   *[other] Please wait { $n } seconds and try again.
}
error-fields-title = This request has mistakes
error-wait-moment = Please wait a moment and try again.
error-reference = If you contact us about this, please quote this reference: { $reference }
error-home-link = Go to the list of open letters

## Letter page

status-draft = Draft
status-open = Open for signatures
status-closed = Closed
status-delivered = Delivered
notice-draft = This letter is a draft and does not take signatures yet.
notice-closed = This letter is closed and takes no new signatures.
notice-delivered = This letter has been delivered and takes no new signatures.
tally-organisations = { $count ->
    [one] { $n } organisation
   *[other] { $n } organisations
}
tally-individuals = { $count ->
    [one] { $n } individual
   *[other] { $n } individuals
}
tally-total = { $count ->
    [one] { $n } signature in total
   *[other] { $n } signatures in total
}
goal-progress = { $count ->
    [one] { $total } of { $goal } signature towards the goal
   *[other] { $total } of { $goal } signatures towards the goal
}
organisations-heading = Signatory organisations
organisations-none = No organisation has signed yet.
organisations-no-more = There are no more organisations to show.
organisations-pages = Pages of signatory organisations
organisations-first = First organisations
organisations-more = More organisations
individuals-heading = Individual signatories
individuals-hidden-hint = People who chose not to show their name are counted but not listed.
individuals-none = No one is listed publicly yet.
individuals-no-more = There are no more names to show.
individuals-pages = Pages of individual signatories
individuals-first = Newest signatures
individuals-more = Older signatures
signed-version = signed version { $version }
version-note = The text was changed on { $date } (version { $version } of { $version }). Signatures given to earlier versions are marked by version.
version-note-link = See every version and what changed
text-changed = The text of this letter changed since you opened it (version { $version }). Please read it again; your details are kept.
see-what-changed = See what changed
correct-problems = Correct the problems in the form
go-to-form = Go to the form
preview-banner-title = Draft preview.
preview-banner = This is how the letter will look to the public. It is private: please do not share this link. Signing does not work here.
preview-forms = Sign forms (they do not work in a preview)
letter-targets = To: { $targets }
open-until = Open for signatures until { $date }.
signature-not-sent = Your signature has not been sent.
signature-not-sent-yet = Your signature has not been sent yet.
sign-this-letter = Sign this letter

## Sign forms

sign-problem = There is a problem with your signature
honeypot-label = Leave this field empty
field-country = Country
choose-country = Choose a country
field-full-name = Full name
field-email = Email address
field-city = City
field-occupation = Occupation
field-show-publicly = Show my name publicly on this letter
field-wants-updates = Tell me about this letter’s progress
field-organisation-name = Organisation name
field-website = Website
field-contact-person = Contact person
field-contact-email = Contact email
field-role = Role in the organisation
hint-email = We use this address only to confirm your signature, and to send updates if you ask for them below. It is never shown.
hint-wants-updates = Occasional news about the letter, such as its delivery. You can stop them at any time.
hint-occupation = For example: lawyer, nurse, student.
hint-show-publicly = Your name, city, country and occupation are then listed with the letter. Otherwise your signature is counted but your name is not shown.
hint-website = For example: https://example.org
hint-not-shown = Not shown publicly.
hint-role = For example: director, board member. Not shown publicly.
sign-individual = Sign as an individual
sign-organisation = Sign for an organisation
sign-organisation-intro = Please sign for an organisation only if you are entitled to do so. The organisation’s name, country and website are listed with the letter.
sign-organisation-button = Sign for this organisation
privacy-note = How we use your data: { $link }.
privacy-note-link = privacy
sign-intro-both = You can sign { $individual } or { $organisation }.
sign-intro-individual-link = as an individual
sign-intro-organisation-link = on behalf of an organisation
sign-intro-organisations-only = This letter is signed by organisations only.
sign-intro-individuals-only = This letter is signed by individuals only.
sign-intro-email = We then email you a link: your signature counts only once you have confirmed it.

## Withdrawal, privacy and data requests

email-withdraw-intro = Changed your mind? You can withdraw your signature at any time with this link:
withdraw-title = Withdraw your signature
withdraw-about-to = You are about to withdraw your signature from the open letter { $title }.
withdraw-effect = It will no longer be listed or counted. You may sign again later if you change your mind.
withdraw-button = Withdraw my signature
withdraw-keep = Keep my signature and go back to the letter
withdrawn-title = Signature withdrawn
withdrawn-heading = Your signature is withdrawn
withdrawn-text = { $count ->
    [one] Your signature on { $title } is no longer listed, and the count shown with the letter drops within { $n } second.
   *[other] Your signature on { $title } is no longer listed, and the count shown with the letter drops within { $n } seconds.
}
withdrawn-kept = What we still keep, and for how long, is on our { $link }.
withdrawn-kept-link = privacy page
already-withdrawn-title = Already withdrawn
already-withdrawn-heading = This signature is already withdrawn
already-withdrawn-text = Your signature on { $title } was withdrawn earlier. There is nothing more to do.
privacy-days = { $count ->
    [one] { $n } day
   *[other] { $n } days
}
privacy-title = Privacy
privacy-heading = Privacy: what we keep about signers
privacy-keep-heading = What we keep and why
privacy-keep-email = { $what }: to confirm that you signed, to tell you if you sign twice, and (if you asked) to send you news of the letter. It is never published.
privacy-keep-email-what = Your email address
privacy-keep-name = { $what } (or for an organisation: its name, country, website, your name and role): to show the signature with the letter if you chose to be listed, and to deliver the list of signatories to the letter's addressees.
privacy-keep-name-what = Your name, country and, if you gave them, city and occupation
privacy-keep-ip = { $what }: to keep floods of fake signatures out. Only administrators can see it.
privacy-keep-ip-what = The network address (IP) your signature came from
privacy-keep-when = { $what }, and the version of the letter's text you signed.
privacy-keep-when-what = When you signed and confirmed
privacy-how-long-heading = How long we keep it
privacy-erasure = Your email address and your network address are erased { $days } after the letter is closed or delivered, and so is everything about your signature that was not public: the name of an unlisted signature, an organisation's contact person and role, and the city, occupation or website that were not shown. What was public stays: the name, country, city and occupation of a listed person, the name, country and website of a listed organisation, and the counts. Of the network address we then keep only its network prefix (the first three numbers of an IPv4 address, the first 48 bits of an IPv6 address) and a keyed fingerprint from which the address cannot be read back, so that repeated abuse can still be recognised.
privacy-withdrawn-kept = A withdrawn signature is kept, unlisted and uncounted, until then too, so that you can sign again; its withdrawal link works until the erasure.
privacy-links = { $count ->
    [one] Confirmation links work for { $hours } hour. Links and records of sent emails are deleted on the same schedule, { $days } after they are used or expire.
   *[other] Confirmation links work for { $hours } hours. Links and records of sent emails are deleted on the same schedule, { $days } after they are used or expire.
}
privacy-who-heading = Who sees what
privacy-who-everyone = Everyone: the names, organisations and countries of confirmed signatures whose signers chose to be listed, and the counts.
privacy-who-staff = Our staff: the signatures and their email addresses, to moderate the list and deliver the letter. Editors do not see network addresses; administrators do.
privacy-who-addressees = The letter's addressees: the list of signatories when the letter is delivered.
privacy-no-trackers = We use no third-party trackers, advertising or CAPTCHA services.
privacy-withdraw-heading = Withdrawing your signature
privacy-withdraw = Every email we send you about your signature has a link to withdraw it. A withdrawn signature is no longer listed or counted. You may sign again later.
privacy-ask-heading = Asking for your data
privacy-ask = { $count ->
    [one] You can { $link }. We send it to that address only, at most once a day.
   *[other] You can { $link }. We send it to that address only, at most { $count } times a day.
}
privacy-ask-link = ask for everything we hold about your email address
check-inbox = Check your inbox
my-data-sent = If we hold anything about that address, we have sent it there. We send it to no other address.
nothing-arrived-spam = If nothing arrives within a few minutes, check your spam or junk folder.
back-to-privacy = Back to the privacy page
my-data-title = Your data
my-data-intro = Enter your email address. We will email that address everything we hold about it: every signature with its details, the letters, their status and dates.
there-is-a-problem = There is a problem
my-data-hint = The answer goes to this address only.
my-data-button = Send me my data
my-data-privacy-link = What we keep and for how long
email-hello = Hello,
data-email-subject = Your data at { $site }
data-email-signature = Signature { $number } on “{ $title }”
data-email-none = (none)
data-email-intro = You asked for everything we hold about this email address. Here it is.
data-email-more = There are more signatures than fit in one email; ask again after withdrawing or erasing some, or write to us.
data-email-not-you = If you did not ask for this, someone typed your address into our data-request form; nothing else was done.

## Confirmation pages

check-inbox-sent = We have sent an email to the address you gave. Open the link in it to confirm your signature on { $title }.
check-inbox-counts = Your signature counts, and your name can appear, only once you have confirmed it.
check-inbox-expires = The link expires after a while, so please use it soon.
nothing-arrived = Nothing arrived?
nothing-arrived-wait = Emails can take a few minutes to arrive.
nothing-arrived-junk = Check your spam or junk folder.
nothing-arrived-mistyped = If you mistyped your address, simply sign again with the right one.
confirm-title = Confirm your signature
confirm-about-to = You are about to confirm your signature on the open letter { $title }.
confirm-effect = Once confirmed, your signature is counted and, if you chose so, your name is listed with the letter.
confirm-button = Confirm my signature
confirm-why-button = We ask you to press the button because some email programs open links by themselves to check them, and that must not sign anything.
confirmed-title = Signature confirmed
confirmed-heading = Thank you, your signature is confirmed
confirmed-text = Your signature on { $title } now counts.
already-confirmed-title = Already confirmed
already-confirmed-heading = This signature is already confirmed
already-confirmed-text = Your signature on { $title } was confirmed earlier. There is nothing more to do.
held-title = Confirmed, waiting for review
email-confirmed-heading = Thank you, your email address is confirmed
held-text = Your organisation's signature on { $title } will be listed and counted once our staff have reviewed it. We will email you when they have.
nothing-more-for-now = There is nothing more to do for now.
under-review-title = Confirmed, under review
under-review-text = Your signature on { $title } is under review: it looks like others made at the same time, so our staff check it before it is listed and counted. This happens when many people sign from one network or one email domain, or with very similar names.
under-review-nothing = There is nothing more to do; if it is yours, it will be counted.
link-expired-title = This link has expired
link-invalid-title = This link is not valid
link-expired-text = Confirmation links work only for a limited time, and this one has run out. Your signature has not been confirmed.
link-invalid-text = The link may have been copied incompletely, or a newer link has replaced it.
link-new-intro = Enter the email address you signed with and we will send you a new link.
link-new-hint = We use it only to send the new link.
link-new-button = Send me a new link
resend-sent = If that address has a signature waiting for confirmation, we have sent a new link to it.
back-to-letters = Back to the open letters

## Proof of work (a letter under attack)

pow-title = One more step to sign
pow-intro = Very many signatures are arriving for { $title } right now. To keep automated floods out without tracking anyone, we ask for a short wait before we take your signature. Nothing has been recorded yet.
pow-wait = { $count ->
    [one] Please wait { $n } second, then press Continue.
   *[other] Please wait { $n } seconds, then press Continue.
}
pow-continue = Continue
pow-working = Your browser is working on it: this takes a few seconds.
pow-wait-few = Please wait a few seconds, then press Continue.
pow-done = Done. Press Continue to sign.

## Versions of a letter's text

versions-title = Versions of { $title }
versions-intro = The text people sign never changes silently: when it is edited after someone has signed, the new text becomes a new version, and every signature keeps the version it was given to sign.
versions-caption = Every version of the letter's text, oldest first
versions-col-version = Version
versions-col-date = Date
versions-col-signatures = Confirmed signatures
version-n = Version { $version }
version-current = (current)
diff-added = added
diff-removed = removed
diff-unchanged = Unchanged.
diff-heading = What changed from version { $version }
diff-hint = Added text is underlined and marked “added”; removed text is struck through and marked “removed”. The body is compared as its Markdown source.
diff-read-version = Read version { $version }
diff-title = Title
diff-summary = Summary
diff-text = Text
version-title = { $title } (version { $version })
all-versions = All versions
version-of = Version { $version } of { $latest }
version-written = Written on { $date }.
version-signatures = { $count ->
    [one] { $n } confirmed signature was given to this version.
   *[other] { $n } confirmed signatures were given to this version.
}
version-earlier = This is an earlier text of the letter.
version-read-current = Read the current text (version { $version })

## Emails

email-hello-name = Hello { $name },
email-quoted = “{ $title }”
email-expires-today = The link expires within a day.
email-expires-days = { $count ->
    [one] The link expires in { $n } day.
   *[other] The link expires in { $n } days.
}
email-ignore = If you did not sign, ignore this email; nothing is published without confirmation.
email-confirm-subject = Confirm your signature: { $title }
email-confirm-request-individual = We received a request to sign the open letter { $title } as an individual, using this email address.
email-confirm-request-organisation = We received a request to sign the open letter { $title } on behalf of an organisation, using this email address.
email-confirm-counts = Your signature counts only once you have confirmed it.
email-confirm-open-link = To confirm your signature, open this link:
email-read-here = You can read the letter here:
email-read-signatories-here = You can read the letter and its signatories here:
email-read-letter = Read the letter
email-button-fallback = If the button does not work, copy this link into your browser:
email-already-subject = You have already signed: { $title }
email-already-heading = You have already signed
email-already-attempt = Someone, probably you, just tried to sign the open letter { $title } again with this email address. You have already signed it, so there is nothing to do.
email-already-not-you = If it was not you, you can ignore this email: no new signature was added and nothing has changed.
email-your-organisation = your organisation
email-approved-subject = Your organisation's signature is listed: { $title }
email-approved-heading = Your organisation's signature is listed
email-approved-news = Our staff have reviewed the signature of { $organisation } on the open letter { $title }. It is approved: { $organisation } is now listed among the signatories and counted.
email-approved-thanks = Thank you for signing.
email-rejected-subject = Your organisation's signature was not accepted: { $title }
email-rejected-heading = Your organisation's signature was not accepted
email-rejected-news = Our staff have reviewed the signature of { $organisation } on the open letter { $title } and could not accept it, so it will not be listed or counted.
email-rejected-reason = The reason they gave:
email-rejected-reply = If you think this is a mistake, please reply to this email.

## Dates

date = { $day } { $month } { $year }
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
pow-early = { $count ->
    [one] Please wait { $n } more second before pressing Continue. Nothing was recorded.
   *[other] Please wait { $n } more seconds before pressing Continue. Nothing was recorded.
}
pow-used = That step had been used already or had expired. Please try once more.
pow-unchecked = That step could not be checked. Please try once more.

## Error pages (src/web/error.rs)

error-not-found-title = Page not found
error-not-found-text = There is nothing at this address. It may have been mistyped, or the letter may have been withdrawn.
error-too-large-title = What you sent is too large
error-too-large-text = The form was larger than any real signature. Please shorten what you typed and try again.
error-rate-limited-title = Too many requests
error-rate-limited-text = We received too many requests from your network in a short time.
error-signing-limited-title = Too many signatures right now
error-signing-limited-text = This letter is receiving more signatures than it can take at the moment, so yours was not recorded. Please go back and send the form again after the wait below.
error-cross-site-title = This form was sent from another site
error-cross-site-text = For your safety we only take forms sent from our own pages. Nothing was recorded. Please open the letter on our site and send the form from there.
error-address-blocked-title = Signing is not possible from your network
error-address-blocked-text = The operators of this site do not take signatures from the network you are using, so nothing was recorded. If you think this is a mistake, please contact them, or sign from another connection.
error-withdraw-link-title = This link cannot be used
error-withdraw-link-text = This withdrawal link is not known. It may have been copied incompletely, or the letter closed so long ago that the signature's personal data, and with it the link, has been erased.
error-admins-only-title = Only admins may do this
error-admins-only-text = Your staff account is an editor account. Ask an admin if you need this done.
error-csrf-title = This form is no longer valid
error-csrf-text = The form did not come from your current session (it may have been open from an earlier sign-in). Nothing was changed. Please reload the page and send it again.
error-unexpected-title = Something went wrong
error-unexpected-text = We could not complete your request, and it may not have been recorded. Please try again in a few minutes; if you were signing, signing again is safe: nobody is counted twice.
error-unavailable-title = The service is briefly unavailable
error-unavailable-text = Your request could not be completed just now. If you were signing, signing again is safe: nobody is counted twice.
error-request-timeout-title = The request took too long
error-request-timeout-text = Your browser did not finish sending the request in time. Please try again.
error-method-title = This address does not take that kind of request
error-method-text = Please go back and use the page's own links and buttons.
error-bad-request-title = This request could not be understood
error-server-bare-text = We could not complete your request, and it may not have been recorded. Please try again in a few minutes.
error-bad-request-text = Please go back and try again.
error-bad-request-detail = { $detail }
error-closed-title = This letter is closed
error-closed-text = “{ $title }” no longer takes signatures, so nothing was recorded.
error-staff-link-text = Password links work once, for 24 hours. Ask an admin for a new one (or run `undersigned staff reset EMAIL`).
error-conflict-title = This cannot be done now
error-conflict-text = { $reason } Nothing was changed.
error-server-bare-title = Something went wrong

## Translated letters

translation-note = You are reading a translation. The original text, in { $language }, is the authoritative version.
translation-read-original = Read the original
language-name = { $tag ->
    [en] English
    [fr] French
    [de] German
    [es] Spanish
    [it] Italian
    [pt] Portuguese
    [nl] Dutch
    [pl] Polish
    [ru] Russian
    [uk] Ukrainian
    [az] Azerbaijani
    [tr] Turkish
    [ar] Arabic
    [he] Hebrew
   *[other] { $tag }
}

## Form problems (src/web/i18n.rs: the domain's and the screening's messages)

invalid-email-empty = Enter your email address
invalid-email-too-long = Enter an email address of at most { $max } characters
invalid-email-display-name = Enter only the email address, in the form name@example.org, without a name or brackets around it
invalid-email-multiple = Enter just one email address, in the form name@example.org
invalid-email = Enter an email address in the form name@example.org
invalid-name-empty = Enter your name
invalid-organisation-name-empty = Enter the name of the organisation
invalid-name-too-long = Enter a name of at most { $max } characters
invalid-name-forbidden-character = Remove the invisible control or text-direction characters from your name
invalid-text-too-long = Enter at most { $max } characters here
invalid-text-forbidden-character = Remove the invisible control or text-direction characters from this field
invalid-content-link = Remove the web address: enter only a name here (a website has its own field)
invalid-content-email = Remove the email address: enter only a name here (your email address has its own field)
invalid-content-phone = Remove the phone number: enter only a name here
invalid-content-invisible = Enter a name made of visible letters
invalid-content-formula = Start with a letter or digit, not with =, +, - or @
invalid-country = Choose a country from the list
invalid-website-too-long = Enter a web address of at most { $max } characters
invalid-website-scheme = Enter a web address that starts with http:// or https://, or just the address, like example.org
invalid-website-host = Enter a web address with a domain name, like example.org
invalid-website-credentials = Enter the web address without a user name or password in it
invalid-website = Enter a web address in the form example.org or https://example.org/page
invalid-token = This confirmation link is incomplete or damaged. Open the link from the email again, or copy the whole link into your browser
screen-too-fast = Please take a moment to read the letter before signing, then send the form again.
screen-form-expired = This form was too old or incomplete, so we have loaded it again. Please check your details and send it again.
screen-disposable = Enter an address you will keep: we do not take signatures from disposable email services
screen-domain-blocked = Signatures from this email domain are not taken here. Enter another email address
kind-individuals-only = This letter is signed by individuals only, so a signature for an organisation cannot be taken.
kind-organisations-only = This letter is signed by organisations only, so a signature as an individual cannot be taken.

## The verifiable list (snapshots, a signer's proof)

list-root-heading = A list anyone can verify
list-root-text = The list of signatures as of { $date } has the Merkle root { $root } ({ $count ->
    [one] { $n } entry
   *[other] { $n } entries
}).
list-root-link = Every published root, the lists and how to check them
list-title = Verifiable list of { $title }
list-heading = The verifiable list of { $title }
list-intro = Each signature on the list is a leaf of a Merkle tree (RFC 6962). The tree is over a log that only grows: a signature being listed is one entry, and a listing that ends (the signer withdrew, or staff invalidated it) is another. Each snapshot below publishes the log’s size and root; every later one extends every earlier one.
list-downloads = Download the entries of a snapshot to rebuild its root yourself, and a consistency proof to check that a later list extends an earlier one. The README of undersigned (“Verifying a signature list”) describes the algorithm; { $command } checks a proof offline.
list-none = No snapshot of this list has been taken yet.
list-col-taken = Taken (UTC)
list-col-entries = Entries
list-col-root = Root
list-col-downloads = Downloads
list-entries-json = entries (JSON)
list-consistency-newest = consistency with the newest
proof-title = Your signature in the verifiable list
proof-private = This page is private to you: it is reached only through the link you were given.
proof-listed = Your signature on { $title } is entry { $index } of the list of { $count ->
    [one] { $n } entry
   *[other] { $n } entries
} published on { $date }, whose root is { $root }.
proof-download = Download the proof (JSON)
proof-check-heading = Check it yourself
proof-step-download = Download the proof above as { $file }.
proof-step-root = Get the root from somewhere other than this page: the printed letter, the delivery receipt, or the letter’s public page.
proof-step-run = Run { $command }. It needs no account, no settings and no network, and prints { $word } when your signature, exactly as shown in the proof, is in the list with that root.
proof-algorithm = The algorithm is short and public (README, “Verifying a signature list”), so you can also check the proof with code of your own.
proof-not-yet = Your signature on { $title } is confirmed, but no published snapshot of the list holds it yet. Snapshots are taken from time to time and when the letter is delivered; come back to this link later.
proof-not-listed = Your signature on { $title } is not on the list now (it may have been withdrawn, or be waiting for a review), so there is no proof to give.
proof-roots-link = The letter’s published roots
proof-link-note = Keep this private link to check, now or later, that your signature is in the published list: { $link }.
proof-link-text = your proof of signature
proof-email-intro = To check for yourself, now or later, that your signature is in the published list (keep this link private):

## Delivery: the public receipt, the letter sent to its targets, the notice to signers

receipt-heading = Delivery receipt
receipt-title = Delivery receipt: { $title }
receipt-letter = Letter: { $link }
receipt-not-yet = This letter has not been delivered yet.
receipt-delivered-on = Delivered { $date }
receipt-delivered = Delivered
receipt-to = To
receipt-sent = (sent { $date })
receipt-being-sent = (being sent)
receipt-with = With
receipt-with-text = { $signatures } ({ $organisations }, { $individuals }), text version { $version }
receipt-organisations = { $count ->
    [one] { $n } organisation
   *[other] { $n } organisations
}
receipt-individuals = { $count ->
    [one] { $n } individual
   *[other] { $n } individuals
}
receipt-list-size = List size
receipt-list-root = List root
receipt-full = The full receipt
delivery-subject = Open letter: { $title }
delivery-intro = We deliver to you the open letter { $title }, addressed to { $targets }, as it stands on { $date }.
delivery-signed-by = It is signed by { $organisations } and { $individuals }.
delivery-attached = The list of signatories is attached ({ $files }).
delivery-root = The list of signatories is fixed by its Merkle root { $root }: anyone holding the published list can rebuild it, and every signer can check that they are in it.
delivery-version = Text version { $version }.
delivery-receipt-link = The public receipt of this delivery
delivery-letter-link = The letter online
notice-subject = Delivered: { $title }
notice-heading = The letter you signed was delivered
notice-news = The open letter { $title }, which you signed, was delivered on { $date } to { $targets }, with { $signatures } ({ $organisations }, { $individuals }).
notice-thanks = Thank you for signing. You asked to hear about this letter; this is the only email we send you about its delivery.
notice-proof-link = Check that your signature is in the delivered list
notice-receipt-link = The public receipt of the delivery

## The embeddable widget

embed-goal = of { $n }
embed-read-and-sign = Read and sign the letter
embed-read = Read the letter
embed-on-site = on { $site }
