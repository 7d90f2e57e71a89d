# واجهة الصفحات العامة ورسائل البريد الإلكتروني، بالعربية.
# المفاتيح نفسها الموجودة في locales/en/main.ftl؛ انظر قسم «Translating» في README.

## Page shell

skip-to-content = انتقل إلى المحتوى الرئيسي
footer-about = يستضيف { $site } رسائل مفتوحة. لا يُحتسب التوقيع إلا بعد تأكيده عبر البريد الإلكتروني، ولا تُنشر عناوين البريد الإلكتروني أبدًا.
footer-privacy = الخصوصية
footer-my-data = اطلب بياناتك
language-switcher = اللغة

## Shared words

signatures = { $count ->
    [zero] لا توقيعات
    [one] توقيع واحد
    [two] توقيعان
    [few] { $n } توقيعات
    [many] { $n } توقيعًا
   *[other] { $n } توقيع
}
deadline = الموعد النهائي: { $date }
back-to-letter = العودة إلى الرسالة
optional = (اختياري)
error-prefix = خطأ:{" "}

## Home page

home-title = رسائل مفتوحة
home-lead = اقرأ رسالة مفتوحة وأضف اسمك إليها، أو اسم منظمتك. يُؤكَّد كل توقيع عبر البريد الإلكتروني قبل أن يُحتسب.
home-empty = لا توجد رسائل مفتوحة هنا في الوقت الحالي.
home-come-back = يُرجى العودة لاحقًا.
home-description = رسائل مفتوحة يمكنك توقيعها بصفتك الشخصية أو باسم منظمة.

## Error page

error-code = خطأ { $status }
error-wait-seconds = { $count ->
    [one] يُرجى الانتظار ثانية واحدة ثم المحاولة مرة أخرى.
    [two] يُرجى الانتظار ثانيتين ثم المحاولة مرة أخرى.
    [few] يُرجى الانتظار { $n } ثوانٍ ثم المحاولة مرة أخرى.
   *[other] يُرجى الانتظار { $n } ثانية ثم المحاولة مرة أخرى.
}
error-fields-title = في هذا الطلب أخطاء
error-wait-moment = يُرجى الانتظار لحظة ثم المحاولة مرة أخرى.
error-reference = إذا تواصلت معنا بشأن هذا، فيُرجى ذكر هذا المرجع: { $reference }
error-home-link = الذهاب إلى قائمة الرسائل المفتوحة

## Letter page

status-draft = مسودة
status-open = مفتوحة للتوقيع
status-closed = مغلقة
status-delivered = سُلِّمت
notice-draft = هذه الرسالة مسودة ولا تقبل التوقيعات بعد.
notice-closed = هذه الرسالة مغلقة ولا تقبل توقيعات جديدة.
notice-delivered = سُلِّمت هذه الرسالة ولا تقبل توقيعات جديدة.
tally-organisations = { $count ->
    [zero] لا منظمات
    [one] منظمة واحدة
    [two] منظمتان
    [few] { $n } منظمات
    [many] { $n } منظمةً
   *[other] { $n } منظمة
}
tally-individuals = { $count ->
    [zero] لا أفراد
    [one] فرد واحد
    [two] فردان
    [few] { $n } أفراد
    [many] { $n } فردًا
   *[other] { $n } فرد
}
tally-total = { $count ->
    [zero] لا توقيعات إجمالًا
    [one] توقيع واحد إجمالًا
    [two] توقيعان إجمالًا
    [few] { $n } توقيعات إجمالًا
    [many] { $n } توقيعًا إجمالًا
   *[other] { $n } توقيع إجمالًا
}
goal-progress = { $total } من أصل { $goal } توقيع نحو الهدف
organisations-heading = المنظمات الموقِّعة
organisations-none = لم توقّع أي منظمة بعد.
organisations-no-more = لا توجد منظمات أخرى لعرضها.
organisations-pages = صفحات المنظمات الموقِّعة
organisations-first = أولى المنظمات
organisations-more = مزيد من المنظمات
individuals-heading = الموقِّعون بصفتهم الشخصية
individuals-hidden-hint = يُحتسب من اختاروا عدم إظهار أسمائهم، لكنهم لا يظهرون في القائمة.
individuals-none = لا يظهر أحد في القائمة العامة بعد.
individuals-no-more = لا توجد أسماء أخرى لعرضها.
individuals-pages = صفحات الموقِّعين بصفتهم الشخصية
individuals-first = أحدث التوقيعات
individuals-more = توقيعات أقدم
signed-version = وقّع النسخة { $version }
version-note = عُدِّل النص في { $date } (النسخة { $version } من { $version }). التوقيعات المقدَّمة على نسخ سابقة مُعلَّمة برقم نسختها.
version-note-link = اطّلع على كل النسخ وما تغيّر فيها
text-changed = تغيّر نص هذه الرسالة منذ أن فتحتها (النسخة { $version }). يُرجى قراءته مرة أخرى؛ بياناتك محفوظة.
see-what-changed = اطّلع على ما تغيّر
correct-problems = صحّح الأخطاء في النموذج
go-to-form = الذهاب إلى النموذج
preview-banner-title = معاينة المسودة.
preview-banner = هكذا ستبدو الرسالة للجمهور. هذه المعاينة خاصة: يُرجى عدم مشاركة هذا الرابط. لا يمكن التوقيع هنا.
preview-forms = نماذج التوقيع (لا تعمل في المعاينة)
letter-targets = إلى: { $targets }
open-until = مفتوحة للتوقيع حتى { $date }.
signature-not-sent = لم يُرسَل توقيعك.
signature-not-sent-yet = لم يُرسَل توقيعك بعد.
sign-this-letter = وقّع هذه الرسالة

## Sign forms

sign-problem = توجد مشكلة في توقيعك
honeypot-label = اترك هذا الحقل فارغًا
field-country = البلد
choose-country = اختر بلدًا
field-full-name = الاسم الكامل
field-email = عنوان البريد الإلكتروني
field-city = المدينة
field-occupation = المهنة
field-show-publicly = أظهر اسمي علنًا على هذه الرسالة
field-wants-updates = أخبرني بمستجدات هذه الرسالة
field-organisation-name = اسم المنظمة
field-website = الموقع الإلكتروني
field-contact-person = الشخص المسؤول عن التواصل
field-contact-email = البريد الإلكتروني للتواصل
field-role = الصفة في المنظمة
hint-email = نستخدم هذا العنوان فقط لتأكيد توقيعك، ولإرسال المستجدات إن طلبتها أدناه. لا يُعرض أبدًا.
hint-wants-updates = أخبار متفرقة عن الرسالة، مثل تسليمها. يمكنك إيقافها في أي وقت.
hint-occupation = على سبيل المثال: محامية، ممرض، طالبة.
hint-show-publicly = عندئذ يظهر اسمك ومدينتك وبلدك ومهنتك مع الرسالة. وإلا فسيُحتسب توقيعك دون أن يظهر اسمك.
hint-website = على سبيل المثال: https://example.org
hint-not-shown = لا يُعرض علنًا.
hint-role = على سبيل المثال: مديرة، عضو مجلس الإدارة. لا تُعرض علنًا.
sign-individual = وقّع بصفتك الشخصية
sign-organisation = وقّع باسم منظمة
sign-organisation-intro = يُرجى التوقيع باسم منظمة فقط إن كنت مخوّلًا بذلك. يظهر اسم المنظمة وبلدها وموقعها الإلكتروني مع الرسالة.
sign-organisation-button = وقّع باسم هذه المنظمة
privacy-note = كيف نستخدم بياناتك: { $link }.
privacy-note-link = الخصوصية
sign-intro-both = يمكنك التوقيع { $individual } أو { $organisation }.
sign-intro-individual-link = بصفتك الشخصية
sign-intro-organisation-link = باسم منظمة
sign-intro-organisations-only = هذه الرسالة تُوقَّع من المنظمات فقط.
sign-intro-individuals-only = هذه الرسالة تُوقَّع من الأفراد فقط.
sign-intro-email = بعد ذلك نرسل إليك رابطًا بالبريد الإلكتروني: لا يُحتسب توقيعك إلا بعد تأكيده.

## Withdrawal, privacy and data requests

email-withdraw-intro = غيّرت رأيك؟ يمكنك سحب توقيعك في أي وقت عبر هذا الرابط:
withdraw-title = اسحب توقيعك
withdraw-about-to = أنت على وشك سحب توقيعك من الرسالة المفتوحة { $title }.
withdraw-effect = لن يظهر بعد الآن ولن يُحتسب. يمكنك التوقيع مجددًا لاحقًا إن غيّرت رأيك.
withdraw-button = اسحب توقيعي
withdraw-keep = أبقِ توقيعي وعُد إلى الرسالة
withdrawn-title = سُحب التوقيع
withdrawn-heading = سُحب توقيعك
withdrawn-text = { $count ->
    [one] لم يعد توقيعك على { $title } ظاهرًا في القائمة، وسينخفض العدد المعروض مع الرسالة خلال ثانية واحدة.
    [two] لم يعد توقيعك على { $title } ظاهرًا في القائمة، وسينخفض العدد المعروض مع الرسالة خلال ثانيتين.
    [few] لم يعد توقيعك على { $title } ظاهرًا في القائمة، وسينخفض العدد المعروض مع الرسالة خلال { $n } ثوانٍ.
   *[other] لم يعد توقيعك على { $title } ظاهرًا في القائمة، وسينخفض العدد المعروض مع الرسالة خلال { $n } ثانية.
}
withdrawn-kept = ما نحتفظ به بعد ذلك، ولأي مدة، موضّح في { $link }.
withdrawn-kept-link = صفحة الخصوصية
already-withdrawn-title = سُحب من قبل
already-withdrawn-heading = هذا التوقيع مسحوب من قبل
already-withdrawn-text = سُحب توقيعك على { $title } من قبل. لا شيء آخر عليك فعله.
privacy-days = { $count ->
    [one] يوم واحد
    [two] يومين
    [few] { $n } أيام
    [many] { $n } يومًا
   *[other] { $n } يوم
}
privacy-title = الخصوصية
privacy-heading = الخصوصية: ما نحتفظ به عن الموقِّعين
privacy-keep-heading = ما نحتفظ به ولماذا
privacy-keep-email = { $what }: لتأكيد أنك وقّعت، ولإعلامك إن وقّعت مرتين، و(إن طلبت ذلك) لإرسال أخبار الرسالة إليك. لا يُنشر أبدًا.
privacy-keep-email-what = عنوان بريدك الإلكتروني
privacy-keep-name = { $what } (أو بالنسبة إلى منظمة: اسمها وبلدها وموقعها الإلكتروني واسمك وصفتك): لعرض التوقيع مع الرسالة إن اخترت الظهور في القائمة، ولتسليم قائمة الموقِّعين إلى الجهات الموجَّهة إليها الرسالة.
privacy-keep-name-what = اسمك وبلدك، ومدينتك ومهنتك إن ذكرتهما
privacy-keep-ip = { $what }: لصدّ موجات التوقيعات المزيّفة. لا يطّلع عليه إلا المسؤولون.
privacy-keep-ip-what = عنوان الشبكة (IP) الذي جاء منه توقيعك
privacy-keep-when = { $what }، ونسخة نص الرسالة التي وقّعتها.
privacy-keep-when-what = وقت توقيعك ووقت تأكيده
privacy-how-long-heading = مدة الاحتفاظ بها
privacy-erasure = يُمحى عنوان بريدك الإلكتروني وعنوان شبكتك بعد { $days } من إغلاق الرسالة أو تسليمها، ويُمحى معهما كل ما لم يكن علنيًا في توقيعك: اسم التوقيع غير الظاهر في القائمة، والشخص المسؤول عن التواصل وصفته بالنسبة إلى المنظمة، والمدينة أو المهنة أو الموقع الإلكتروني إن لم تكن معروضة. أما ما كان علنيًا فيبقى: اسم الشخص الظاهر في القائمة وبلده ومدينته ومهنته، واسم المنظمة الظاهرة وبلدها وموقعها الإلكتروني، والأعداد. ولا نحتفظ من عنوان الشبكة حينئذ إلا ببادئته (الأعداد الثلاثة الأولى من عنوان IPv4، وأول 48 بتًا من عنوان IPv6) وببصمة مشفّرة بمفتاح لا يمكن استرجاع العنوان منها، كي نتمكن من التعرّف على الإساءة المتكررة.
privacy-withdrawn-kept = ويُحتفظ كذلك بالتوقيع المسحوب حتى ذلك الحين، دون أن يظهر أو يُحتسب، كي تتمكن من التوقيع مجددًا؛ ويعمل رابط سحبه حتى المحو.
privacy-links = { $count ->
    [one] تعمل روابط التأكيد لمدة ساعة واحدة. وتُحذف الروابط وسجلات الرسائل المرسلة وفق الجدول نفسه، بعد { $days } من استخدامها أو انتهاء صلاحيتها.
    [two] تعمل روابط التأكيد لمدة ساعتين. وتُحذف الروابط وسجلات الرسائل المرسلة وفق الجدول نفسه، بعد { $days } من استخدامها أو انتهاء صلاحيتها.
    [few] تعمل روابط التأكيد لمدة { $hours } ساعات. وتُحذف الروابط وسجلات الرسائل المرسلة وفق الجدول نفسه، بعد { $days } من استخدامها أو انتهاء صلاحيتها.
   *[other] تعمل روابط التأكيد لمدة { $hours } ساعة. وتُحذف الروابط وسجلات الرسائل المرسلة وفق الجدول نفسه، بعد { $days } من استخدامها أو انتهاء صلاحيتها.
}
privacy-who-heading = من يرى ماذا
privacy-who-everyone = الجميع: أسماء التوقيعات المؤكَّدة ومنظماتها وبلدانها، لمن اختار الظهور في القائمة، والأعداد.
privacy-who-staff = فريقنا: التوقيعات وعناوين بريدها الإلكتروني، لمراجعة القائمة وتسليم الرسالة. لا يرى المحرّرون عناوين الشبكة؛ أما المسؤولون فيرونها.
privacy-who-addressees = الجهات الموجَّهة إليها الرسالة: قائمة الموقِّعين عند تسليم الرسالة.
privacy-no-trackers = لا نستخدم أي أدوات تتبّع من أطراف ثالثة، ولا إعلانات، ولا خدمات CAPTCHA.
privacy-withdraw-heading = سحب توقيعك
privacy-withdraw = كل رسالة بريد إلكتروني نرسلها إليك بشأن توقيعك تتضمن رابطًا لسحبه. التوقيع المسحوب لا يظهر ولا يُحتسب. يمكنك التوقيع مجددًا لاحقًا.
privacy-ask-heading = طلب بياناتك
privacy-ask = { $count ->
    [one] يمكنك { $link }. نرسلها إلى ذلك العنوان وحده، مرة واحدة في اليوم على الأكثر.
    [two] يمكنك { $link }. نرسلها إلى ذلك العنوان وحده، مرتين في اليوم على الأكثر.
   *[other] يمكنك { $link }. نرسلها إلى ذلك العنوان وحده، { $count } مرات في اليوم على الأكثر.
}
privacy-ask-link = طلب كل ما نحتفظ به عن عنوان بريدك الإلكتروني
check-inbox = تحقّق من بريدك الوارد
my-data-sent = إن كنا نحتفظ بأي شيء عن هذا العنوان، فقد أرسلناه إليه. لا نرسله إلى أي عنوان آخر.
nothing-arrived-spam = إن لم يصل شيء خلال بضع دقائق، فتحقّق من مجلد الرسائل غير المرغوب فيها.
back-to-privacy = العودة إلى صفحة الخصوصية
my-data-title = بياناتك
my-data-intro = أدخل عنوان بريدك الإلكتروني. سنرسل إلى هذا العنوان كل ما نحتفظ به عنه: كل توقيع بتفاصيله، والرسائل، وحالتها وتواريخها.
there-is-a-problem = توجد مشكلة
my-data-hint = يُرسَل الرد إلى هذا العنوان وحده.
my-data-button = أرسل إليّ بياناتي
my-data-privacy-link = ما نحتفظ به ولأي مدة
email-hello = مرحبًا،
data-email-subject = بياناتك في { $site }
data-email-signature = التوقيع { $number } على «{ $title }»
data-email-none = (لا شيء)
data-email-intro = طلبت كل ما نحتفظ به عن عنوان البريد الإلكتروني هذا. إليك هو.
data-email-more = التوقيعات أكثر مما تتسع له رسالة واحدة؛ اطلب مجددًا بعد سحب بعضها أو محوه، أو راسلنا.
data-email-not-you = إن لم تطلب ذلك، فقد أدخل أحدهم عنوانك في نموذج طلب البيانات لدينا؛ ولم يحدث أي شيء آخر.

## Confirmation pages

check-inbox-sent = أرسلنا رسالة إلى العنوان الذي قدّمته. افتح الرابط الذي فيها لتأكيد توقيعك على { $title }.
check-inbox-counts = لا يُحتسب توقيعك، ولا يمكن أن يظهر اسمك، إلا بعد تأكيده.
check-inbox-expires = تنتهي صلاحية الرابط بعد مدة، لذا يُرجى استخدامه قريبًا.
nothing-arrived = لم يصل شيء؟
nothing-arrived-wait = قد تستغرق الرسائل بضع دقائق حتى تصل.
nothing-arrived-junk = تحقّق من مجلد الرسائل غير المرغوب فيها.
nothing-arrived-mistyped = إن أخطأت في كتابة عنوانك، فما عليك إلا التوقيع مجددًا بالعنوان الصحيح.
confirm-title = أكّد توقيعك
confirm-about-to = أنت على وشك تأكيد توقيعك على الرسالة المفتوحة { $title }.
confirm-effect = بعد التأكيد يُحتسب توقيعك، ويظهر اسمك مع الرسالة إن اخترت ذلك.
confirm-button = أكّد توقيعي
confirm-why-button = نطلب منك الضغط على الزر لأن بعض برامج البريد تفتح الروابط من تلقاء نفسها للتحقق منها، ولا يجوز أن يؤدي ذلك إلى توقيع أي شيء.
confirmed-title = تأكّد التوقيع
confirmed-heading = شكرًا لك، تأكّد توقيعك
confirmed-text = صار توقيعك على { $title } محتسبًا الآن.
already-confirmed-title = مؤكَّد من قبل
already-confirmed-heading = هذا التوقيع مؤكَّد من قبل
already-confirmed-text = أُكِّد توقيعك على { $title } من قبل. لا شيء آخر عليك فعله.
held-title = تأكّد، بانتظار المراجعة
email-confirmed-heading = شكرًا لك، تأكّد عنوان بريدك الإلكتروني
held-text = سيظهر توقيع منظمتك على { $title } ويُحتسب بعد أن يراجعه فريقنا. سنراسلك عندما يفعلون.
nothing-more-for-now = لا شيء آخر عليك فعله الآن.
under-review-title = تأكّد، قيد المراجعة
under-review-text = توقيعك على { $title } قيد المراجعة: فهو يشبه توقيعات أخرى قُدّمت في الوقت نفسه، لذا يتحقق منه فريقنا قبل إظهاره واحتسابه. يحدث هذا حين يوقّع كثيرون من شبكة واحدة أو من نطاق بريد واحد، أو بأسماء متشابهة جدًا.
under-review-nothing = لا شيء آخر عليك فعله؛ إن كان توقيعك فسيُحتسب.
link-expired-title = انتهت صلاحية هذا الرابط
link-invalid-title = هذا الرابط غير صالح
link-expired-text = لا تعمل روابط التأكيد إلا لمدة محدودة، وقد انتهت مدة هذا الرابط. لم يتأكد توقيعك.
link-invalid-text = ربما نُسخ الرابط ناقصًا، أو حلّ محله رابط أحدث.
link-new-intro = أدخل عنوان البريد الإلكتروني الذي وقّعت به وسنرسل إليك رابطًا جديدًا.
link-new-hint = نستخدمه فقط لإرسال الرابط الجديد.
link-new-button = أرسل إليّ رابطًا جديدًا
resend-sent = إن كان لهذا العنوان توقيع ينتظر التأكيد، فقد أرسلنا إليه رابطًا جديدًا.
back-to-letters = العودة إلى الرسائل المفتوحة

## Proof of work (a letter under attack)

pow-title = خطوة أخيرة للتوقيع
pow-intro = تصل في هذه اللحظة توقيعات كثيرة جدًا على { $title }. ولصدّ الموجات الآلية دون تتبّع أحد، نطلب منك انتظارًا قصيرًا قبل أن نأخذ توقيعك. لم يُسجَّل شيء بعد.
pow-wait = { $count ->
    [one] يُرجى الانتظار ثانية واحدة، ثم اضغط «متابعة».
    [two] يُرجى الانتظار ثانيتين، ثم اضغط «متابعة».
    [few] يُرجى الانتظار { $n } ثوانٍ، ثم اضغط «متابعة».
   *[other] يُرجى الانتظار { $n } ثانية، ثم اضغط «متابعة».
}
pow-continue = متابعة
pow-working = يعمل متصفحك على ذلك: يستغرق الأمر بضع ثوانٍ.
pow-wait-few = يُرجى الانتظار بضع ثوانٍ، ثم اضغط «متابعة».
pow-done = تمّ. اضغط «متابعة» للتوقيع.

## Versions of a letter's text

versions-title = نسخ { $title }
versions-intro = لا يتغير النص الذي يوقّعه الناس خلسةً أبدًا: إذا عُدِّل بعد أن وقّعه أحد، يصبح النص الجديد نسخة جديدة، ويحتفظ كل توقيع بالنسخة التي قُدِّمت إليه ليوقّعها.
versions-caption = كل نسخ نص الرسالة، من الأقدم إلى الأحدث
versions-col-version = النسخة
versions-col-date = التاريخ
versions-col-signatures = التوقيعات المؤكَّدة
version-n = النسخة { $version }
version-current = (الحالية)
diff-added = مُضاف
diff-removed = محذوف
diff-unchanged = بلا تغيير.
diff-heading = ما تغيّر منذ النسخة { $version }
diff-hint = النص المُضاف مسطَّر ومعلَّم بكلمة «مُضاف»؛ والنص المحذوف مشطوب ومعلَّم بكلمة «محذوف». يُقارَن المتن في صيغته المصدرية Markdown.
diff-read-version = اقرأ النسخة { $version }
diff-title = العنوان
diff-summary = الملخّص
diff-text = النص
version-title = { $title } (النسخة { $version })
all-versions = كل النسخ
version-of = النسخة { $version } من { $latest }
version-written = كُتبت في { $date }.
version-signatures = { $count ->
    [zero] لم يُقدَّم أي توقيع مؤكَّد على هذه النسخة.
    [one] قُدِّم توقيع مؤكَّد واحد على هذه النسخة.
    [two] قُدِّم توقيعان مؤكَّدان على هذه النسخة.
    [few] قُدِّمت { $n } توقيعات مؤكَّدة على هذه النسخة.
   *[other] قُدِّم { $n } توقيعًا مؤكَّدًا على هذه النسخة.
}
version-earlier = هذا نص سابق للرسالة.
version-read-current = اقرأ النص الحالي (النسخة { $version })

## Emails

email-hello-name = مرحبًا { $name }،
email-quoted = «{ $title }»
email-expires-today = تنتهي صلاحية الرابط خلال يوم.
email-expires-days = { $count ->
    [one] تنتهي صلاحية الرابط بعد يوم واحد.
    [two] تنتهي صلاحية الرابط بعد يومين.
    [few] تنتهي صلاحية الرابط بعد { $n } أيام.
   *[other] تنتهي صلاحية الرابط بعد { $n } يومًا.
}
email-ignore = إن لم تكن أنت من وقّع، فتجاهل هذه الرسالة؛ لا يُنشر شيء دون تأكيد.
email-confirm-subject = أكّد توقيعك: { $title }
email-confirm-request-individual = تلقّينا طلبًا للتوقيع بصفة شخصية على الرسالة المفتوحة { $title }، باستخدام عنوان البريد الإلكتروني هذا.
email-confirm-request-organisation = تلقّينا طلبًا للتوقيع باسم منظمة على الرسالة المفتوحة { $title }، باستخدام عنوان البريد الإلكتروني هذا.
email-confirm-counts = لا يُحتسب توقيعك إلا بعد تأكيده.
email-confirm-open-link = لتأكيد توقيعك، افتح هذا الرابط:
email-read-here = يمكنك قراءة الرسالة هنا:
email-read-signatories-here = يمكنك قراءة الرسالة وقائمة موقّعيها هنا:
email-read-letter = اقرأ الرسالة
email-button-fallback = إن لم يعمل الزر، فانسخ هذا الرابط إلى متصفحك:
email-already-subject = لقد وقّعت من قبل: { $title }
email-already-heading = لقد وقّعت من قبل
email-already-attempt = حاول أحدهم، وهو أنت على الأرجح، التوقيع مجددًا على الرسالة المفتوحة { $title } بعنوان البريد الإلكتروني هذا. لقد وقّعتها من قبل، فلا شيء عليك فعله.
email-already-not-you = إن لم تكن أنت، فيمكنك تجاهل هذه الرسالة: لم يُضَف أي توقيع جديد ولم يتغير شيء.
email-your-organisation = منظمتك
email-approved-subject = صار توقيع منظمتك ظاهرًا في القائمة: { $title }
email-approved-heading = صار توقيع منظمتك ظاهرًا في القائمة
email-approved-news = راجع فريقنا توقيع { $organisation } على الرسالة المفتوحة { $title }. وقد قُبل: صارت { $organisation } ظاهرة بين الموقِّعين ومحتسبة.
email-approved-thanks = شكرًا لتوقيعك.
email-rejected-subject = لم يُقبل توقيع منظمتك: { $title }
email-rejected-heading = لم يُقبل توقيع منظمتك
email-rejected-news = راجع فريقنا توقيع { $organisation } على الرسالة المفتوحة { $title } ولم يتمكن من قبوله، لذا لن يظهر في القائمة ولن يُحتسب.
email-rejected-reason = السبب الذي ذكروه:
email-rejected-reply = إن كنت ترى أن في ذلك خطأً، فيُرجى الرد على هذه الرسالة.

## Dates

date = { $day } { $month } { $year }
month-1 = يناير
month-2 = فبراير
month-3 = مارس
month-4 = أبريل
month-5 = مايو
month-6 = يونيو
month-7 = يوليو
month-8 = أغسطس
month-9 = سبتمبر
month-10 = أكتوبر
month-11 = نوفمبر
month-12 = ديسمبر
pow-early = { $count ->
    [one] يُرجى الانتظار ثانية أخرى قبل الضغط على «متابعة». لم يُسجَّل شيء.
    [two] يُرجى الانتظار ثانيتين أخريين قبل الضغط على «متابعة». لم يُسجَّل شيء.
    [few] يُرجى الانتظار { $n } ثوانٍ أخرى قبل الضغط على «متابعة». لم يُسجَّل شيء.
   *[other] يُرجى الانتظار { $n } ثانية أخرى قبل الضغط على «متابعة». لم يُسجَّل شيء.
}
pow-used = سبق استخدام هذه الخطوة أو انتهت صلاحيتها. يُرجى المحاولة مرة أخرى.
pow-unchecked = تعذّر التحقق من هذه الخطوة. يُرجى المحاولة مرة أخرى.

## Error pages (src/web/error.rs)

error-not-found-title = الصفحة غير موجودة
error-not-found-text = لا يوجد شيء على هذا العنوان. ربما كُتب خطأً، أو سُحبت الرسالة.
error-too-large-title = ما أرسلته كبير جدًا
error-too-large-text = كان النموذج أكبر من أي توقيع حقيقي. يُرجى اختصار ما كتبته والمحاولة مرة أخرى.
error-rate-limited-title = طلبات كثيرة جدًا
error-rate-limited-text = تلقّينا طلبات كثيرة جدًا من شبكتك في وقت قصير.
error-signing-limited-title = توقيعات كثيرة جدًا في هذه اللحظة
error-signing-limited-text = تتلقى هذه الرسالة في هذه اللحظة توقيعات أكثر مما تستطيع استيعابه، لذا لم يُسجَّل توقيعك. يُرجى العودة وإرسال النموذج مجددًا بعد مدة الانتظار المذكورة أدناه.
error-cross-site-title = أُرسل هذا النموذج من موقع آخر
error-cross-site-text = حرصًا على سلامتك، لا نقبل إلا النماذج المرسلة من صفحاتنا. لم يُسجَّل شيء. يُرجى فتح الرسالة على موقعنا وإرسال النموذج من هناك.
error-address-blocked-title = لا يمكن التوقيع من شبكتك
error-address-blocked-text = لا يقبل القائمون على هذا الموقع التوقيعات من الشبكة التي تستخدمها، لذا لم يُسجَّل شيء. إن كنت ترى أن في ذلك خطأً، فيُرجى التواصل معهم، أو التوقيع من اتصال آخر.
error-withdraw-link-title = لا يمكن استخدام هذا الرابط
error-withdraw-link-text = رابط السحب هذا غير معروف. ربما نُسخ ناقصًا، أو أُغلقت الرسالة منذ زمن طويل فمُحيت البيانات الشخصية للتوقيع، ومعها الرابط.
error-admins-only-title = هذا متاح للمسؤولين فقط
error-admins-only-text = حسابك حساب محرّر. اطلب من أحد المسؤولين إن احتجت إلى ذلك.
error-csrf-title = لم يعد هذا النموذج صالحًا
error-csrf-text = لم يأتِ النموذج من جلستك الحالية (ربما كان مفتوحًا منذ تسجيل دخول سابق). لم يتغير شيء. يُرجى إعادة تحميل الصفحة وإرساله مجددًا.
error-unexpected-title = حدث خطأ ما
error-unexpected-text = تعذّر علينا إتمام طلبك، وربما لم يُسجَّل. يُرجى المحاولة مرة أخرى بعد بضع دقائق؛ وإن كنت توقّع، فلا ضرر في التوقيع مجددًا: لا يُحتسب أحد مرتين.
error-unavailable-title = الخدمة غير متاحة مؤقتًا
error-unavailable-text = تعذّر إتمام طلبك الآن. وإن كنت توقّع، فلا ضرر في التوقيع مجددًا: لا يُحتسب أحد مرتين.
error-request-timeout-title = استغرق الطلب وقتًا أطول من اللازم
error-request-timeout-text = لم يُكمل متصفحك إرسال الطلب في الوقت المحدد. يُرجى المحاولة مرة أخرى.
error-method-title = لا يقبل هذا العنوان هذا النوع من الطلبات
error-method-text = يُرجى العودة واستخدام روابط الصفحة وأزرارها.
error-bad-request-title = تعذّر فهم هذا الطلب
error-server-bare-text = تعذّر علينا إتمام طلبك، وربما لم يُسجَّل. يُرجى المحاولة مرة أخرى بعد بضع دقائق.
error-bad-request-text = يُرجى العودة والمحاولة مرة أخرى.
error-bad-request-detail = { $detail }
error-closed-title = هذه الرسالة مغلقة
error-closed-text = لم تعد «{ $title }» تقبل التوقيعات، لذا لم يُسجَّل شيء.
error-staff-link-text = تعمل روابط كلمة المرور مرة واحدة، لمدة 24 ساعة. اطلب رابطًا جديدًا من أحد المسؤولين (أو شغّل `undersigned staff reset EMAIL`).
error-conflict-title = لا يمكن فعل هذا الآن
error-conflict-text = { $reason } لم يتغير شيء.
error-server-bare-title = حدث خطأ ما

## Translated letters

translation-note = أنت تقرأ ترجمة. النص الأصلي، باللغة { $language }، هو النسخة المعتمدة.
translation-read-original = اقرأ الأصل
language-name = { $tag ->
    [en] الإنجليزية
    [fr] الفرنسية
    [de] الألمانية
    [es] الإسبانية
    [it] الإيطالية
    [pt] البرتغالية
    [nl] الهولندية
    [pl] البولندية
    [ru] الروسية
    [uk] الأوكرانية
    [az] الأذربيجانية
    [tr] التركية
    [ar] العربية
    [he] العبرية
   *[other] { $tag }
}

## Form problems (src/web/i18n.rs: the domain's and the screening's messages)

invalid-email-empty = أدخل عنوان بريدك الإلكتروني
invalid-email-too-long = أدخل عنوان بريد إلكتروني لا يتجاوز { $max } حرفًا
invalid-email-display-name = أدخل عنوان البريد الإلكتروني وحده، بالصيغة name@example.org، دون اسم أو أقواس حوله
invalid-email-multiple = أدخل عنوان بريد إلكتروني واحدًا فقط، بالصيغة name@example.org
invalid-email = أدخل عنوان بريد إلكتروني بالصيغة name@example.org
invalid-name-empty = أدخل اسمك
invalid-organisation-name-empty = أدخل اسم المنظمة
invalid-name-too-long = أدخل اسمًا لا يتجاوز { $max } حرفًا
invalid-name-forbidden-character = احذف من اسمك محارف التحكم أو اتجاه الكتابة غير المرئية
invalid-text-too-long = أدخل هنا ما لا يتجاوز { $max } حرفًا
invalid-text-forbidden-character = احذف من هذا الحقل محارف التحكم أو اتجاه الكتابة غير المرئية
invalid-content-link = احذف عنوان الموقع: أدخل اسمًا فقط هنا (للموقع الإلكتروني حقله الخاص)
invalid-content-email = احذف عنوان البريد الإلكتروني: أدخل اسمًا فقط هنا (لعنوان بريدك حقله الخاص)
invalid-content-phone = احذف رقم الهاتف: أدخل اسمًا فقط هنا
invalid-content-invisible = أدخل اسمًا مكوّنًا من حروف مرئية
invalid-content-formula = ابدأ بحرف أو رقم، لا بـ = أو + أو - أو @
invalid-country = اختر بلدًا من القائمة
invalid-website-too-long = أدخل عنوان موقع لا يتجاوز { $max } حرفًا
invalid-website-scheme = أدخل عنوان موقع يبدأ بـ http:// أو https://، أو العنوان وحده، مثل example.org
invalid-website-host = أدخل عنوان موقع فيه اسم نطاق، مثل example.org
invalid-website-credentials = أدخل عنوان الموقع دون اسم مستخدم أو كلمة مرور فيه
invalid-website = أدخل عنوان موقع بالصيغة example.org أو https://example.org/page
invalid-token = رابط التأكيد هذا ناقص أو تالف. افتح الرابط من الرسالة مجددًا، أو انسخ الرابط كاملًا إلى متصفحك
screen-too-fast = يُرجى أخذ لحظة لقراءة الرسالة قبل التوقيع، ثم إرسال النموذج مجددًا.
screen-form-expired = كان هذا النموذج قديمًا جدًا أو ناقصًا، فأعدنا تحميله. يُرجى التحقق من بياناتك وإرساله مجددًا.
screen-disposable = أدخل عنوانًا ستحتفظ به: لا نقبل التوقيعات من خدمات البريد المؤقت
screen-domain-blocked = لا تُقبل هنا التوقيعات من نطاق البريد هذا. أدخل عنوان بريد إلكتروني آخر
kind-individuals-only = هذه الرسالة تُوقَّع من الأفراد فقط، لذا لا يمكن قبول توقيع باسم منظمة.
kind-organisations-only = هذه الرسالة تُوقَّع من المنظمات فقط، لذا لا يمكن قبول توقيع بصفة شخصية.

## The verifiable list (snapshots, a signer's proof)

list-root-heading = قائمة يمكن لأي أحد التحقق منها
list-root-text = جذر ميركل لقائمة التوقيعات بتاريخ { $date } هو { $root } (عدد المُدخلات: { $n }).
list-root-link = كل الجذور المنشورة والقوائم وطريقة التحقق منها
list-title = القائمة القابلة للتحقق لرسالة { $title }
list-heading = القائمة القابلة للتحقق لرسالة { $title }
list-intro = كل توقيع في القائمة ورقةٌ في شجرة ميركل (RFC 6962). تُبنى الشجرة على سجلٍّ لا يزداد إلا نموًّا: إدراج توقيع في القائمة مُدخَل، وانتهاء إدراجه (سحبه صاحبه أو أبطله الفريق) مُدخَل آخر. كل لقطة أدناه تنشر حجم السجل وجذره، وكل لقطة لاحقة تمتد من كل لقطة سابقة.
list-downloads = نزّل مُدخلات لقطة لتعيد حساب جذرها بنفسك، ونزّل إثبات الاتساق لتتحقق من أن قائمة لاحقة تمتد من قائمة سابقة. يشرح ملف README الخاص بـ undersigned (قسم «Verifying a signature list») الخوارزمية، ويتحقق الأمر { $command } من الإثبات دون اتصال بالشبكة.
list-none = لم تُلتقط أي لقطة لهذه القائمة بعد.
list-col-taken = وقت الالتقاط (UTC)
list-col-entries = المُدخلات
list-col-root = الجذر
list-col-downloads = التنزيلات
list-entries-json = المُدخلات (JSON)
list-consistency-newest = الاتساق مع أحدث لقطة
proof-title = توقيعك في القائمة القابلة للتحقق
proof-private = هذه الصفحة خاصة بك: لا يُوصَل إليها إلا عبر الرابط الذي أُعطي لك.
proof-listed = توقيعك على { $title } هو المُدخَل رقم { $index } في القائمة المنشورة بتاريخ { $date } (عدد المُدخلات: { $n })، وجذرها { $root }.
proof-download = نزّل الإثبات (JSON)
proof-check-heading = تحقّق بنفسك
proof-step-download = نزّل الإثبات أعلاه باسم { $file }.
proof-step-root = احصل على الجذر من مكان غير هذه الصفحة: الرسالة المطبوعة، أو إيصال التسليم، أو الصفحة العامة للرسالة.
proof-step-run = شغّل { $command }. لا يحتاج الأمر إلى حساب ولا إعدادات ولا شبكة، ويطبع { $word } إذا كان توقيعك، كما يظهر في الإثبات تمامًا، موجودًا في القائمة ذات هذا الجذر.
proof-algorithm = الخوارزمية قصيرة ومنشورة (README، قسم «Verifying a signature list»)، فيمكنك أيضًا التحقق من الإثبات ببرنامج تكتبه بنفسك.
proof-not-yet = توقيعك على { $title } مؤكَّد، لكن لا توجد بعد لقطة منشورة للقائمة تتضمنه. تُلتقط اللقطات من حين لآخر وعند تسليم الرسالة؛ عُد إلى هذا الرابط لاحقًا.
proof-not-listed = توقيعك على { $title } ليس في القائمة الآن (ربما سُحب، أو ينتظر المراجعة)، فلا يوجد إثبات لتقديمه.
proof-roots-link = الجذور المنشورة للرسالة
proof-link-note = احتفظ بهذا الرابط الخاص لتتحقق، الآن أو لاحقًا، من أن توقيعك موجود في القائمة المنشورة: { $link }.
proof-link-text = إثبات توقيعك
proof-email-intro = لتتحقق بنفسك، الآن أو لاحقًا، من أن توقيعك موجود في القائمة المنشورة (احتفظ بهذا الرابط خاصًّا):

## Delivery: the public receipt, the letter sent to its targets, the notice to signers

receipt-heading = إيصال التسليم
receipt-title = إيصال التسليم: { $title }
receipt-letter = الرسالة: { $link }
receipt-not-yet = لم تُسلَّم هذه الرسالة بعد.
receipt-delivered-on = سُلِّمت في { $date }
receipt-delivered = تاريخ التسليم
receipt-to = إلى
receipt-sent = (أُرسلت في { $date })
receipt-being-sent = (قيد الإرسال)
receipt-with = مع
receipt-with-text = { $signatures } ({ $organisations }، { $individuals })، النسخة { $version } من النص
receipt-organisations = عدد المنظمات: { $n }
receipt-individuals = عدد الأفراد: { $n }
receipt-list-size = حجم القائمة
receipt-list-root = جذر القائمة
receipt-full = الإيصال الكامل
delivery-subject = رسالة مفتوحة: { $title }
delivery-intro = نسلّمكم الرسالة المفتوحة { $title } الموجّهة إلى { $targets }، بصيغتها في { $date }.
delivery-signed-by = وقّع عليها: { $organisations }، { $individuals }.
delivery-attached = قائمة الموقّعين مرفقة ({ $files }).
delivery-root = قائمة الموقّعين مثبّتة بجذر ميركل { $root }: يمكن لكل من لديه القائمة المنشورة أن يعيد حسابه، ويمكن لكل موقّع أن يتحقق من وجوده فيها.
delivery-version = النسخة { $version } من النص.
delivery-receipt-link = الإيصال العام لهذا التسليم
delivery-letter-link = الرسالة على الإنترنت
notice-subject = سُلِّمت: { $title }
notice-heading = سُلِّمت الرسالة التي وقّعت عليها
notice-news = سُلِّمت الرسالة المفتوحة { $title } التي وقّعت عليها في { $date } إلى { $targets }، مع { $signatures } ({ $organisations }، { $individuals }).
notice-thanks = شكرًا لتوقيعك. طلبت أن تُبلَّغ بأخبار هذه الرسالة، وهذه هي الرسالة الإلكترونية الوحيدة التي نرسلها إليك بشأن تسليمها.
notice-proof-link = تحقّق من أن توقيعك موجود في القائمة المسلَّمة
notice-receipt-link = الإيصال العام للتسليم

## The embeddable widget

embed-goal = من أصل { $n }
embed-read-and-sign = اقرأ الرسالة ووقّع عليها
embed-read = اقرأ الرسالة
embed-on-site = على { $site }
