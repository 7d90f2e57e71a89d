# Interface des pages publiques et des e-mails, en français.
# Mêmes clés que locales/en/main.ftl ; voir « Translating » dans le README.

## Page shell

skip-to-content = Aller au contenu principal
footer-about = { $site } héberge des lettres ouvertes. Une signature ne compte qu’une fois confirmée par e-mail, et les adresses e-mail ne sont jamais publiées.
footer-privacy = Confidentialité
footer-my-data = Demander vos données
language-switcher = Langue

## Shared words

signatures = { $count ->
    [one] { $n } signature
   *[other] { $n } signatures
}
deadline = Date limite : { $date }
back-to-letter = Retour à la lettre
optional = (facultatif)
error-prefix = Erreur :{" "}

## Home page

home-title = Lettres ouvertes
home-lead = Lisez une lettre ouverte et ajoutez-y votre nom, ou celui de votre organisation. Chaque signature est confirmée par e-mail avant d’être comptée.
home-empty = Il n’y a aucune lettre ouverte ici pour le moment.
home-come-back = Revenez plus tard.
home-description = Des lettres ouvertes à signer à titre individuel ou au nom d’une organisation.

## Error page

error-code = Erreur { $status }
error-wait-seconds = { $count ->
    [one] Veuillez patienter { $n } seconde, puis réessayer.
   *[other] Veuillez patienter { $n } secondes, puis réessayer.
}
error-fields-title = Cette requête comporte des erreurs
error-wait-moment = Veuillez patienter un instant, puis réessayer.
error-reference = Si vous nous contactez à ce sujet, merci d’indiquer cette référence : { $reference }
error-home-link = Aller à la liste des lettres ouvertes

## Letter page

status-draft = Brouillon
status-open = Ouverte aux signatures
status-closed = Close
status-delivered = Remise
notice-draft = Cette lettre est un brouillon et ne recueille pas encore de signatures.
notice-closed = Cette lettre est close et ne recueille plus de signatures.
notice-delivered = Cette lettre a été remise et ne recueille plus de signatures.
tally-organisations = { $count ->
    [one] { $n } organisation
   *[other] { $n } organisations
}
tally-individuals = { $count ->
    [one] { $n } personne
   *[other] { $n } personnes
}
tally-total = { $count ->
    [one] { $n } signature au total
   *[other] { $n } signatures au total
}
goal-progress = { $count ->
    [one] { $total } signature sur l’objectif de { $goal }
   *[other] { $total } signatures sur l’objectif de { $goal }
}
organisations-heading = Organisations signataires
organisations-none = Aucune organisation n’a encore signé.
organisations-no-more = Il n’y a plus d’organisations à afficher.
organisations-pages = Pages des organisations signataires
organisations-first = Premières organisations
organisations-more = Plus d’organisations
individuals-heading = Signataires à titre individuel
individuals-hidden-hint = Les personnes qui ont choisi de ne pas afficher leur nom sont comptées, mais pas listées.
individuals-none = Personne n’est encore listé publiquement.
individuals-no-more = Il n’y a plus de noms à afficher.
individuals-pages = Pages des signataires à titre individuel
individuals-first = Signatures les plus récentes
individuals-more = Signatures plus anciennes
signed-version = a signé la version { $version }
version-note = Le texte a été modifié le { $date } (version { $version } sur { $version }). Les signatures données aux versions précédentes sont marquées par leur version.
version-note-link = Voir toutes les versions et ce qui a changé
text-changed = Le texte de cette lettre a changé depuis que vous l’avez ouverte (version { $version }). Merci de le relire ; vos informations sont conservées.
see-what-changed = Voir ce qui a changé
correct-problems = Corriger les erreurs du formulaire
go-to-form = Aller au formulaire
preview-banner-title = Aperçu du brouillon.
preview-banner = Voici la lettre telle que le public la verra. Cet aperçu est privé : merci de ne pas partager ce lien. La signature n’est pas possible ici.
preview-forms = Formulaires de signature (inactifs dans un aperçu)
letter-targets = À : { $targets }
open-until = Ouverte aux signatures jusqu’au { $date }.
signature-not-sent = Votre signature n’a pas été envoyée.
signature-not-sent-yet = Votre signature n’a pas encore été envoyée.
sign-this-letter = Signer cette lettre

## Sign forms

sign-problem = Votre signature comporte une erreur
honeypot-label = Laissez ce champ vide
field-country = Pays
choose-country = Choisissez un pays
field-full-name = Nom complet
field-email = Adresse e-mail
field-city = Ville
field-occupation = Profession
field-show-publicly = Afficher publiquement mon nom sur cette lettre
field-wants-updates = Me tenir informé·e des suites de cette lettre
field-organisation-name = Nom de l’organisation
field-website = Site web
field-contact-person = Personne de contact
field-contact-email = E-mail de contact
field-role = Fonction dans l’organisation
hint-email = Nous utilisons cette adresse uniquement pour confirmer votre signature, et pour vous donner des nouvelles si vous le demandez ci-dessous. Elle n’est jamais affichée.
hint-wants-updates = Des nouvelles occasionnelles de la lettre, comme sa remise. Vous pouvez les arrêter à tout moment.
hint-occupation = Par exemple : avocate, infirmier, étudiante.
hint-show-publicly = Votre nom, votre ville, votre pays et votre profession sont alors listés avec la lettre. Sinon, votre signature est comptée mais votre nom n’apparaît pas.
hint-website = Par exemple : https://example.org
hint-not-shown = Non affiché publiquement.
hint-role = Par exemple : directrice, membre du conseil d’administration. Non affiché publiquement.
sign-individual = Signer à titre individuel
sign-organisation = Signer au nom d’une organisation
sign-organisation-intro = Ne signez au nom d’une organisation que si vous y êtes habilité·e. Le nom, le pays et le site web de l’organisation sont listés avec la lettre.
sign-organisation-button = Signer pour cette organisation
privacy-note = Comment nous utilisons vos données : { $link }.
privacy-note-link = confidentialité
sign-intro-both = Vous pouvez signer { $individual } ou { $organisation }.
sign-intro-individual-link = à titre individuel
sign-intro-organisation-link = au nom d’une organisation
sign-intro-organisations-only = Cette lettre est signée uniquement par des organisations.
sign-intro-individuals-only = Cette lettre est signée uniquement à titre individuel.
sign-intro-email = Nous vous envoyons ensuite un lien par e-mail : votre signature ne compte qu’une fois confirmée.

## Withdrawal, privacy and data requests

email-withdraw-intro = Vous avez changé d’avis ? Vous pouvez retirer votre signature à tout moment avec ce lien :
withdraw-title = Retirer votre signature
withdraw-about-to = Vous êtes sur le point de retirer votre signature de la lettre ouverte { $title }.
withdraw-effect = Elle ne sera plus listée ni comptée. Vous pourrez signer de nouveau plus tard si vous changez d’avis.
withdraw-button = Retirer ma signature
withdraw-keep = Garder ma signature et revenir à la lettre
withdrawn-title = Signature retirée
withdrawn-heading = Votre signature est retirée
withdrawn-text = { $count ->
    [one] Votre signature sur { $title } n’est plus listée, et le total affiché avec la lettre diminue d’ici { $n } seconde.
   *[other] Votre signature sur { $title } n’est plus listée, et le total affiché avec la lettre diminue d’ici { $n } secondes.
}
withdrawn-kept = Ce que nous conservons encore, et pour combien de temps, est expliqué sur notre { $link }.
withdrawn-kept-link = page de confidentialité
already-withdrawn-title = Déjà retirée
already-withdrawn-heading = Cette signature est déjà retirée
already-withdrawn-text = Votre signature sur { $title } a déjà été retirée. Vous n’avez rien d’autre à faire.
privacy-days = { $count ->
    [one] { $n } jour
   *[other] { $n } jours
}
privacy-title = Confidentialité
privacy-heading = Confidentialité : ce que nous conservons sur les signataires
privacy-keep-heading = Ce que nous conservons, et pourquoi
privacy-keep-email = { $what } : pour confirmer que vous avez signé, vous prévenir si vous signez deux fois et (si vous l’avez demandé) vous donner des nouvelles de la lettre. Elle n’est jamais publiée.
privacy-keep-email-what = Votre adresse e-mail
privacy-keep-name = { $what } (ou, pour une organisation : son nom, son pays, son site web, votre nom et votre fonction) : pour afficher la signature avec la lettre si vous avez choisi d’être listé·e, et pour remettre la liste des signataires aux destinataires de la lettre.
privacy-keep-name-what = Votre nom, votre pays et, si vous les avez indiqués, votre ville et votre profession
privacy-keep-ip = { $what } : pour empêcher les afflux de fausses signatures. Seuls les administrateurs peuvent la voir.
privacy-keep-ip-what = L’adresse réseau (IP) d’où provient votre signature
privacy-keep-when = { $what }, ainsi que la version du texte de la lettre que vous avez signée.
privacy-keep-when-what = La date de votre signature et de sa confirmation
privacy-how-long-heading = Combien de temps nous les conservons
privacy-erasure = Votre adresse e-mail et votre adresse réseau sont effacées { $days } après la clôture ou la remise de la lettre, de même que tout ce qui n’était pas public dans votre signature : le nom d’une signature non listée, la personne de contact et la fonction pour une organisation, ainsi que la ville, la profession ou le site web qui n’étaient pas affichés. Ce qui était public reste : le nom, le pays, la ville et la profession d’une personne listée, le nom, le pays et le site web d’une organisation listée, et les totaux. De l’adresse réseau, nous ne gardons alors que son préfixe (les trois premiers nombres d’une adresse IPv4, les 48 premiers bits d’une adresse IPv6) et une empreinte chiffrée d’où l’adresse ne peut pas être retrouvée, afin de pouvoir encore reconnaître des abus répétés.
privacy-withdrawn-kept = Une signature retirée est elle aussi conservée jusque-là, non listée et non comptée, pour que vous puissiez signer de nouveau ; son lien de retrait fonctionne jusqu’à l’effacement.
privacy-links = { $count ->
    [one] Les liens de confirmation fonctionnent pendant { $hours } heure. Les liens et la trace des e-mails envoyés sont supprimés selon le même calendrier, { $days } après avoir été utilisés ou avoir expiré.
   *[other] Les liens de confirmation fonctionnent pendant { $hours } heures. Les liens et la trace des e-mails envoyés sont supprimés selon le même calendrier, { $days } après avoir été utilisés ou avoir expiré.
}
privacy-who-heading = Qui voit quoi
privacy-who-everyone = Tout le monde : les noms, organisations et pays des signatures confirmées dont les signataires ont choisi d’être listés, et les totaux.
privacy-who-staff = Notre équipe : les signatures et leurs adresses e-mail, pour modérer la liste et remettre la lettre. Les éditeurs ne voient pas les adresses réseau ; les administrateurs, si.
privacy-who-addressees = Les destinataires de la lettre : la liste des signataires, au moment de la remise.
privacy-no-trackers = Nous n’utilisons aucun traceur tiers, aucune publicité ni aucun service de CAPTCHA.
privacy-withdraw-heading = Retirer votre signature
privacy-withdraw = Chaque e-mail que nous vous envoyons au sujet de votre signature contient un lien pour la retirer. Une signature retirée n’est plus listée ni comptée. Vous pourrez signer de nouveau plus tard.
privacy-ask-heading = Demander vos données
privacy-ask = { $count ->
    [one] Vous pouvez { $link }. Nous l’envoyons uniquement à cette adresse, au plus une fois par jour.
   *[other] Vous pouvez { $link }. Nous l’envoyons uniquement à cette adresse, au plus { $count } fois par jour.
}
privacy-ask-link = demander tout ce que nous détenons sur votre adresse e-mail
check-inbox = Consultez votre boîte de réception
my-data-sent = Si nous détenons quoi que ce soit sur cette adresse, nous le lui avons envoyé. Nous ne l’envoyons à aucune autre adresse.
nothing-arrived-spam = Si rien n’arrive d’ici quelques minutes, regardez dans vos courriers indésirables.
back-to-privacy = Retour à la page de confidentialité
my-data-title = Vos données
my-data-intro = Saisissez votre adresse e-mail. Nous enverrons à cette adresse tout ce que nous détenons à son sujet : chaque signature avec ses détails, les lettres, leur état et leurs dates.
there-is-a-problem = Il y a un problème
my-data-hint = La réponse est envoyée uniquement à cette adresse.
my-data-button = M’envoyer mes données
my-data-privacy-link = Ce que nous conservons, et pour combien de temps
email-hello = Bonjour,
data-email-subject = Vos données sur { $site }
data-email-signature = Signature { $number } sur « { $title } »
data-email-none = (aucun)
data-email-intro = Vous avez demandé tout ce que nous détenons sur cette adresse e-mail. Le voici.
data-email-more = Il y a plus de signatures que n’en contient un seul e-mail ; redemandez après en avoir retiré ou effacé quelques-unes, ou écrivez-nous.
data-email-not-you = Si vous n’avez rien demandé, quelqu’un a saisi votre adresse dans notre formulaire de demande de données ; rien d’autre n’a été fait.

## Confirmation pages

check-inbox-sent = Nous avons envoyé un e-mail à l’adresse indiquée. Ouvrez le lien qu’il contient pour confirmer votre signature sur { $title }.
check-inbox-counts = Votre signature ne compte, et votre nom ne peut apparaître, qu’une fois confirmée.
check-inbox-expires = Le lien expire au bout d’un certain temps : utilisez-le sans tarder.
nothing-arrived = Rien reçu ?
nothing-arrived-wait = Les e-mails peuvent mettre quelques minutes à arriver.
nothing-arrived-junk = Regardez dans vos courriers indésirables.
nothing-arrived-mistyped = Si vous avez fait une faute de frappe dans votre adresse, signez simplement de nouveau avec la bonne.
confirm-title = Confirmer votre signature
confirm-about-to = Vous êtes sur le point de confirmer votre signature sur la lettre ouverte { $title }.
confirm-effect = Une fois confirmée, votre signature est comptée et, si vous l’avez choisi, votre nom est listé avec la lettre.
confirm-button = Confirmer ma signature
confirm-why-button = Nous vous demandons d’appuyer sur le bouton parce que certains logiciels de messagerie ouvrent d’eux-mêmes les liens pour les vérifier, et cela ne doit rien signer.
confirmed-title = Signature confirmée
confirmed-heading = Merci, votre signature est confirmée
confirmed-text = Votre signature sur { $title } compte désormais.
already-confirmed-title = Déjà confirmée
already-confirmed-heading = Cette signature est déjà confirmée
already-confirmed-text = Votre signature sur { $title } a déjà été confirmée. Vous n’avez rien d’autre à faire.
held-title = Confirmée, en attente de vérification
email-confirmed-heading = Merci, votre adresse e-mail est confirmée
held-text = La signature de votre organisation sur { $title } sera listée et comptée dès que notre équipe l’aura vérifiée. Nous vous écrirons à ce moment-là.
nothing-more-for-now = Vous n’avez rien d’autre à faire pour le moment.
under-review-title = Confirmée, en cours de vérification
under-review-text = Votre signature sur { $title } est en cours de vérification : elle ressemble à d’autres faites au même moment, alors notre équipe la vérifie avant de la lister et de la compter. Cela arrive quand beaucoup de personnes signent depuis un même réseau ou un même domaine de messagerie, ou avec des noms très proches.
under-review-nothing = Vous n’avez rien d’autre à faire ; si elle est bien la vôtre, elle sera comptée.
link-expired-title = Ce lien a expiré
link-invalid-title = Ce lien n’est pas valide
link-expired-text = Les liens de confirmation ne fonctionnent que pendant un temps limité, et celui-ci a expiré. Votre signature n’a pas été confirmée.
link-invalid-text = Le lien a peut-être été copié incomplètement, ou un lien plus récent l’a remplacé.
link-new-intro = Saisissez l’adresse e-mail avec laquelle vous avez signé et nous vous enverrons un nouveau lien.
link-new-hint = Nous l’utilisons uniquement pour envoyer le nouveau lien.
link-new-button = M’envoyer un nouveau lien
resend-sent = Si une signature attend une confirmation à cette adresse, nous lui avons envoyé un nouveau lien.
back-to-letters = Retour aux lettres ouvertes

## Proof of work (a letter under attack)

pow-title = Encore une étape pour signer
pow-intro = De très nombreuses signatures arrivent en ce moment pour { $title }. Pour écarter les afflux automatisés sans suivre personne, nous vous demandons une courte attente avant de prendre votre signature. Rien n’a encore été enregistré.
pow-wait = { $count ->
    [one] Veuillez patienter { $n } seconde, puis appuyez sur Continuer.
   *[other] Veuillez patienter { $n } secondes, puis appuyez sur Continuer.
}
pow-continue = Continuer
pow-working = Votre navigateur s’en occupe : cela prend quelques secondes.
pow-wait-few = Veuillez patienter quelques secondes, puis appuyez sur Continuer.
pow-done = C’est fait. Appuyez sur Continuer pour signer.

## Versions of a letter's text

versions-title = Versions de { $title }
versions-intro = Le texte que l’on signe ne change jamais en silence : s’il est modifié après une première signature, le nouveau texte devient une nouvelle version, et chaque signature garde la version qu’on lui a donnée à signer.
versions-caption = Toutes les versions du texte de la lettre, de la plus ancienne à la plus récente
versions-col-version = Version
versions-col-date = Date
versions-col-signatures = Signatures confirmées
version-n = Version { $version }
version-current = (actuelle)
diff-added = ajouté
diff-removed = supprimé
diff-unchanged = Inchangé.
diff-heading = Ce qui a changé depuis la version { $version }
diff-hint = Le texte ajouté est souligné et marqué « ajouté » ; le texte supprimé est barré et marqué « supprimé ». Le corps est comparé dans sa source Markdown.
diff-read-version = Lire la version { $version }
diff-title = Titre
diff-summary = Résumé
diff-text = Texte
version-title = { $title } (version { $version })
all-versions = Toutes les versions
version-of = Version { $version } sur { $latest }
version-written = Rédigée le { $date }.
version-signatures = { $count ->
    [one] { $n } signature confirmée a été donnée à cette version.
   *[other] { $n } signatures confirmées ont été données à cette version.
}
version-earlier = Ceci est un texte antérieur de la lettre.
version-read-current = Lire le texte actuel (version { $version })

## Emails

email-hello-name = Bonjour { $name },
email-quoted = « { $title } »
email-expires-today = Le lien expire dans moins d’un jour.
email-expires-days = { $count ->
    [one] Le lien expire dans { $n } jour.
   *[other] Le lien expire dans { $n } jours.
}
email-ignore = Si vous n’avez pas signé, ignorez cet e-mail : rien n’est publié sans confirmation.
email-confirm-subject = Confirmez votre signature : { $title }
email-confirm-request-individual = Nous avons reçu une demande de signature à titre individuel de la lettre ouverte { $title }, avec cette adresse e-mail.
email-confirm-request-organisation = Nous avons reçu une demande de signature de la lettre ouverte { $title } au nom d’une organisation, avec cette adresse e-mail.
email-confirm-counts = Votre signature ne compte qu’une fois confirmée.
email-confirm-open-link = Pour confirmer votre signature, ouvrez ce lien :
email-read-here = Vous pouvez lire la lettre ici :
email-read-signatories-here = Vous pouvez lire la lettre et la liste de ses signataires ici :
email-read-letter = Lire la lettre
email-button-fallback = Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur :
email-already-subject = Vous avez déjà signé : { $title }
email-already-heading = Vous avez déjà signé
email-already-attempt = Quelqu’un, probablement vous, vient d’essayer de signer de nouveau la lettre ouverte { $title } avec cette adresse e-mail. Vous l’avez déjà signée : vous n’avez rien à faire.
email-already-not-you = Si ce n’était pas vous, vous pouvez ignorer cet e-mail : aucune nouvelle signature n’a été ajoutée et rien n’a changé.
email-your-organisation = votre organisation
email-approved-subject = La signature de votre organisation est listée : { $title }
email-approved-heading = La signature de votre organisation est listée
email-approved-news = Notre équipe a vérifié la signature de { $organisation } sur la lettre ouverte { $title }. Elle est acceptée : { $organisation } figure désormais parmi les signataires et est comptée.
email-approved-thanks = Merci d’avoir signé.
email-rejected-subject = La signature de votre organisation n’a pas été acceptée : { $title }
email-rejected-heading = La signature de votre organisation n’a pas été acceptée
email-rejected-news = Notre équipe a vérifié la signature de { $organisation } sur la lettre ouverte { $title } et n’a pas pu l’accepter : elle ne sera ni listée ni comptée.
email-rejected-reason = La raison donnée :
email-rejected-reply = Si vous pensez qu’il s’agit d’une erreur, répondez simplement à cet e-mail.

## Dates

date = { $day ->
    [1] 1er { $month } { $year }
   *[other] { $day } { $month } { $year }
}
month-1 = janvier
month-2 = février
month-3 = mars
month-4 = avril
month-5 = mai
month-6 = juin
month-7 = juillet
month-8 = août
month-9 = septembre
month-10 = octobre
month-11 = novembre
month-12 = décembre
pow-early = { $count ->
    [one] Veuillez patienter encore { $n } seconde avant d’appuyer sur Continuer. Rien n’a été enregistré.
   *[other] Veuillez patienter encore { $n } secondes avant d’appuyer sur Continuer. Rien n’a été enregistré.
}
pow-used = Cette étape avait déjà été utilisée ou a expiré. Merci de réessayer.
pow-unchecked = Cette étape n’a pas pu être vérifiée. Merci de réessayer.

## Error pages (src/web/error.rs)

error-not-found-title = Page introuvable
error-not-found-text = Il n’y a rien à cette adresse. Elle a peut-être été mal saisie, ou la lettre a été retirée.
error-too-large-title = Votre envoi est trop volumineux
error-too-large-text = Le formulaire dépassait la taille de toute signature réelle. Raccourcissez ce que vous avez saisi et réessayez.
error-rate-limited-title = Trop de requêtes
error-rate-limited-text = Nous avons reçu trop de requêtes de votre réseau en peu de temps.
error-signing-limited-title = Trop de signatures en ce moment
error-signing-limited-text = Cette lettre reçoit en ce moment plus de signatures qu’elle ne peut en prendre, et la vôtre n’a donc pas été enregistrée. Revenez en arrière et renvoyez le formulaire après le délai indiqué ci-dessous.
error-cross-site-title = Ce formulaire a été envoyé depuis un autre site
error-cross-site-text = Pour votre sécurité, nous n’acceptons que les formulaires envoyés depuis nos propres pages. Rien n’a été enregistré. Ouvrez la lettre sur notre site et envoyez le formulaire depuis celui-ci.
error-address-blocked-title = Impossible de signer depuis votre réseau
error-address-blocked-text = Les responsables de ce site n’acceptent pas de signatures depuis le réseau que vous utilisez ; rien n’a donc été enregistré. Si vous pensez qu’il s’agit d’une erreur, contactez-les, ou signez depuis une autre connexion.
error-withdraw-link-title = Ce lien ne peut pas être utilisé
error-withdraw-link-text = Ce lien de retrait est inconnu. Il a peut-être été copié incomplètement, ou la lettre est close depuis si longtemps que les données personnelles de la signature, et le lien avec elles, ont été effacées.
error-admins-only-title = Réservé aux administrateurs
error-admins-only-text = Votre compte est un compte d’éditeur. Demandez à un administrateur si vous avez besoin de cette action.
error-csrf-title = Ce formulaire n’est plus valable
error-csrf-text = Le formulaire ne provenait pas de votre session actuelle (il était peut-être ouvert depuis une connexion précédente). Rien n’a été modifié. Rechargez la page et renvoyez-le.
error-unexpected-title = Une erreur s’est produite
error-unexpected-text = Nous n’avons pas pu traiter votre demande, et elle n’a peut-être pas été enregistrée. Réessayez dans quelques minutes ; si vous signiez, vous pouvez signer de nouveau sans crainte : personne n’est compté deux fois.
error-unavailable-title = Le service est momentanément indisponible
error-unavailable-text = Votre demande n’a pas pu être traitée à l’instant. Si vous signiez, vous pouvez signer de nouveau sans crainte : personne n’est compté deux fois.
error-request-timeout-title = La requête a pris trop de temps
error-request-timeout-text = Votre navigateur n’a pas fini d’envoyer la requête à temps. Merci de réessayer.
error-method-title = Cette adresse n’accepte pas ce type de requête
error-method-text = Revenez en arrière et utilisez les liens et boutons de la page.
error-bad-request-title = Cette requête n’a pas pu être comprise
error-server-bare-text = Nous n’avons pas pu traiter votre demande, et elle n’a peut-être pas été enregistrée. Réessayez dans quelques minutes.
error-bad-request-text = Revenez en arrière et réessayez.
error-bad-request-detail = { $detail }
error-closed-title = Cette lettre est close
error-closed-text = « { $title } » ne recueille plus de signatures ; rien n’a donc été enregistré.
error-staff-link-text = Les liens de mot de passe fonctionnent une seule fois, pendant 24 heures. Demandez-en un nouveau à un administrateur (ou lancez `undersigned staff reset EMAIL`).
error-conflict-title = Ce n’est pas possible pour le moment
error-conflict-text = { $reason } Rien n’a été modifié.
error-server-bare-title = Une erreur s’est produite

## Translated letters

translation-note = Vous lisez une traduction. Le texte original, en { $language }, est la version qui fait foi.
translation-read-original = Lire l’original

language-name = { $tag ->
    [en] anglais
    [fr] français
    [de] allemand
    [es] espagnol
    [it] italien
    [pt] portugais
    [nl] néerlandais
    [pl] polonais
    [ru] russe
    [uk] ukrainien
    [az] azerbaïdjanais
    [tr] turc
    [ar] arabe
    [he] hébreu
   *[other] { $tag }
}

## Form problems (src/web/i18n.rs: the domain's and the screening's messages)

invalid-email-empty = Saisissez votre adresse e-mail
invalid-email-too-long = Saisissez une adresse e-mail de { $max } caractères au plus
invalid-email-display-name = Saisissez seulement l’adresse e-mail, sous la forme nom@example.org, sans nom ni chevrons autour
invalid-email-multiple = Saisissez une seule adresse e-mail, sous la forme nom@example.org
invalid-email = Saisissez une adresse e-mail sous la forme nom@example.org
invalid-name-empty = Saisissez votre nom
invalid-organisation-name-empty = Saisissez le nom de l’organisation
invalid-name-too-long = Saisissez un nom de { $max } caractères au plus
invalid-name-forbidden-character = Retirez de votre nom les caractères de contrôle ou de sens d’écriture invisibles
invalid-text-too-long = Saisissez { $max } caractères au plus ici
invalid-text-forbidden-character = Retirez de ce champ les caractères de contrôle ou de sens d’écriture invisibles
invalid-content-link = Retirez l’adresse web : saisissez seulement un nom ici (le site web a son propre champ)
invalid-content-email = Retirez l’adresse e-mail : saisissez seulement un nom ici (votre adresse e-mail a son propre champ)
invalid-content-phone = Retirez le numéro de téléphone : saisissez seulement un nom ici
invalid-content-invisible = Saisissez un nom fait de lettres visibles
invalid-content-formula = Commencez par une lettre ou un chiffre, pas par =, +, - ou @
invalid-country = Choisissez un pays dans la liste
invalid-website-too-long = Saisissez une adresse web de { $max } caractères au plus
invalid-website-scheme = Saisissez une adresse web qui commence par http:// ou https://, ou simplement l’adresse, comme example.org
invalid-website-host = Saisissez une adresse web avec un nom de domaine, comme example.org
invalid-website-credentials = Saisissez l’adresse web sans nom d’utilisateur ni mot de passe
invalid-website = Saisissez une adresse web sous la forme example.org ou https://example.org/page
invalid-token = Ce lien de confirmation est incomplet ou abîmé. Ouvrez de nouveau le lien depuis l’e-mail, ou copiez le lien en entier dans votre navigateur
screen-too-fast = Prenez un moment pour lire la lettre avant de signer, puis renvoyez le formulaire.
screen-form-expired = Ce formulaire était trop ancien ou incomplet : nous l’avons rechargé. Vérifiez vos informations et renvoyez-le.
screen-disposable = Saisissez une adresse que vous garderez : nous n’acceptons pas les signatures venant de services d’e-mails jetables
screen-domain-blocked = Les signatures venant de ce domaine de messagerie ne sont pas acceptées ici. Saisissez une autre adresse e-mail
kind-individuals-only = Cette lettre est signée uniquement à titre individuel : une signature au nom d’une organisation ne peut pas être prise.
kind-organisations-only = Cette lettre est signée uniquement par des organisations : une signature à titre individuel ne peut pas être prise.

## The verifiable list (snapshots, a signer's proof)

list-root-heading = Une liste que chacun peut vérifier
list-root-text = La liste des signatures au { $date } a pour racine de Merkle { $root } ({ $count ->
    [one] { $n } entrée
   *[other] { $n } entrées
}).
list-root-link = Toutes les racines publiées, les listes et comment les vérifier
list-title = Liste vérifiable de { $title }
list-heading = La liste vérifiable de { $title }
list-intro = Chaque signature de la liste est une feuille d’un arbre de Merkle (RFC 6962). L’arbre porte sur un journal qui ne fait que croître : l’inscription d’une signature est une entrée, et la fin d’une inscription (le signataire s’est retiré, ou l’équipe l’a invalidée) en est une autre. Chaque instantané ci-dessous publie la taille et la racine du journal ; chacun prolonge tous ceux qui le précèdent.
list-downloads = Téléchargez les entrées d’un instantané pour recalculer vous-même sa racine, et une preuve de cohérence pour vérifier qu’une liste ultérieure prolonge une liste antérieure. Le README d’undersigned (« Verifying a signature list ») décrit l’algorithme ; { $command } vérifie une preuve hors ligne.
list-none = Aucun instantané de cette liste n’a encore été pris.
list-col-taken = Pris le (UTC)
list-col-entries = Entrées
list-col-root = Racine
list-col-downloads = Téléchargements
list-entries-json = entrées (JSON)
list-consistency-newest = cohérence avec le plus récent
proof-title = Votre signature dans la liste vérifiable
proof-private = Cette page vous est réservée : on n’y accède que par le lien qui vous a été donné.
proof-listed = Votre signature sur { $title } est l’entrée { $index } de la liste de { $count ->
    [one] { $n } entrée
   *[other] { $n } entrées
} publiée le { $date }, dont la racine est { $root }.
proof-download = Télécharger la preuve (JSON)
proof-check-heading = Vérifiez vous-même
proof-step-download = Téléchargez la preuve ci-dessus sous le nom { $file }.
proof-step-root = Procurez-vous la racine ailleurs que sur cette page : la lettre imprimée, l’accusé de remise ou la page publique de la lettre.
proof-step-run = Lancez { $command }. La commande n’a besoin ni de compte, ni de réglages, ni de réseau, et affiche { $word } lorsque votre signature, exactement telle qu’elle figure dans la preuve, est dans la liste ayant cette racine.
proof-algorithm = L’algorithme est court et public (README, « Verifying a signature list ») : vous pouvez aussi vérifier la preuve avec votre propre code.
proof-not-yet = Votre signature sur { $title } est confirmée, mais aucun instantané publié de la liste ne la contient encore. Des instantanés sont pris de temps à autre et lors de la remise de la lettre ; revenez plus tard à ce lien.
proof-not-listed = Votre signature sur { $title } ne figure pas sur la liste actuellement (elle a peut-être été retirée, ou attend un examen) : il n’y a donc pas de preuve à fournir.
proof-roots-link = Les racines publiées de la lettre
proof-link-note = Gardez ce lien privé pour vérifier, maintenant ou plus tard, que votre signature figure dans la liste publiée : { $link }.
proof-link-text = votre preuve de signature
proof-email-intro = Pour vérifier vous-même, maintenant ou plus tard, que votre signature figure dans la liste publiée (gardez ce lien privé) :

## Delivery: the public receipt, the letter sent to its targets, the notice to signers

receipt-heading = Accusé de remise
receipt-title = Accusé de remise : { $title }
receipt-letter = Lettre : { $link }
receipt-not-yet = Cette lettre n’a pas encore été remise.
receipt-delivered-on = Remise le { $date }
receipt-delivered = Remise le
receipt-to = À
receipt-sent = (envoyée le { $date })
receipt-being-sent = (en cours d’envoi)
receipt-with = Avec
receipt-with-text = { $signatures } ({ $organisations }, { $individuals }), version { $version } du texte
receipt-organisations = { $count ->
    [one] { $n } organisation
   *[other] { $n } organisations
}
receipt-individuals = { $count ->
    [one] { $n } personne
   *[other] { $n } personnes
}
receipt-list-size = Taille de la liste
receipt-list-root = Racine de la liste
receipt-full = L’accusé de remise complet
delivery-subject = Lettre ouverte : { $title }
delivery-intro = Nous vous remettons la lettre ouverte { $title }, adressée à { $targets }, telle qu’elle se présente le { $date }.
delivery-signed-by = Elle est signée par { $organisations } et { $individuals }.
delivery-attached = La liste des signataires est jointe ({ $files }).
delivery-root = La liste des signataires est fixée par sa racine de Merkle { $root } : quiconque détient la liste publiée peut la recalculer, et chaque signataire peut vérifier qu’il y figure.
delivery-version = Version { $version } du texte.
delivery-receipt-link = L’accusé public de cette remise
delivery-letter-link = La lettre en ligne
notice-subject = Remise : { $title }
notice-heading = La lettre que vous avez signée a été remise
notice-news = La lettre ouverte { $title }, que vous avez signée, a été remise le { $date } à { $targets }, avec { $signatures } ({ $organisations }, { $individuals }).
notice-thanks = Merci de l’avoir signée. Vous avez demandé à être informé de cette lettre ; c’est le seul courriel que nous vous envoyons au sujet de sa remise.
notice-proof-link = Vérifiez que votre signature figure dans la liste remise
notice-receipt-link = L’accusé public de la remise

## The embeddable widget

embed-goal = sur { $n }
embed-read-and-sign = Lire et signer la lettre
embed-read = Lire la lettre
embed-on-site = sur { $site }
