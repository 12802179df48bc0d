# Longer hand-written messages (300-600 characters) for length variety.
# Same entry format as scam.py / legit.py.

EXTRA_SCAM = {
    "notario": [
        ("es", "tip", "Quiero reportar a una oficina en Huntington Park que se anuncia como 'Notaría y Servicios Migratorios Guadalupe'. Mi esposo y yo fuimos en enero porque la señora salía en la radio diciendo que ya se podía arreglar con el DAPA. Nos cobró 1,800 dólares por los dos, nos hizo firmar unas hojas sin nada escrito y se quedó con nuestras actas originales. Cada vez que vamos nos dice que 'ya está en Washington'. No nos da recibos ni copias. El número que tenía, 323-555-0150, ya no entra."),
    ],
    "guaranteed_outcome": [
        ("en", "post", "Are you tired of lawyers who take your money and tell you 'maybe'? At Fast Papers Immigration Solutions we don't do maybe. Our team has worked with immigration officers for over a decade and we know exactly what they want to see. Work permits, green cards, citizenship: APPROVAL GUARANTEED IN WRITING. If your case is denied we refund every penny. Consultations today only $99. Text FASTPAPERS to 213-555-0171 and an agent will call you back within the hour."),
    ],
    "line_fee": [
        ("mix", "post", "ATENCIÓN FAMILIAS: el nuevo programa for parents of US citizens ya fue aprobado por el Congreso y las applications se abren pronto. Miles de personas van a aplicar el mismo día y el sistema se va a saturar. Nosotros le guardamos su lugar en la lista oficial para que su expediente sea de los primeros en revisarse. Cupo de 300 familias. Apartado de $250 por adulto, se paga en la oficina o por Zelle a Servicios Latinos Unidos. Llame ya: (626) 555-0144. Don't wait until it's too late!"),
    ],
    "gov_impersonation": [
        ("es", "tip", "Hoy como a las 10 de la mañana me llamó un hombre que hablaba español con acento y dijo ser el oficial Martínez de la oficina de USCIS en Los Ángeles. Tenía mi nombre, mi fecha de nacimiento y sabía que yo había mandado la renovación de mi permiso. Me dijo que mis huellas 'no coincidían' y que si no pagaba una cuota de corrección de 975 dólares mi caso se cerraba y me mandaban una orden de salida. Me pidió que fuera a Walgreens a comprar tarjetas de regalo y le leyera los números. Le colgué pero me volvió a llamar tres veces del 213-555-0199."),
    ],
    "deportation_threat": [
        ("mix", "tip", "My dad got a call last night from someone saying he was from ICE y que tenía una orden de deportación activa por una multa de tráfico del 2009. The guy knew his full name and our address. Le dijo que si no pagaba un bond de $2,500 esa misma noche iban a ir por él a las 6 am. Wanted the money by Western Union a nombre de un tal Roberto Salas en Arizona. My dad was crying, ya había ido a la tienda cuando lo alcancé. We called the consulate and they said it's a scam."),
    ],
    "job_visa": [
        ("es", "post", "¡GRAN OPORTUNIDAD! Empresa agrícola de Carolina del Norte busca 150 trabajadores para la temporada de fresa y pepino. Visa H-2A legal, transporte desde Monterrey, vivienda gratis y sueldo de 16 dólares la hora más horas extra. Requisitos: ser mayor de 18 años, pasaporte vigente y cubrir la cuota de reclutamiento de 6,500 pesos que incluye la cita consular y el examen médico. Depósitos a la cuenta de nuestro coordinador en Banco Azteca. Solo atendemos por WhatsApp +52 444 555 0108. ¡Últimos lugares!"),
    ],
    "fake_profile": [
        ("en", "tip", "There's an account on Facebook called 'Attorney Laura Méndez – Immigration Help' with photos of her in front of a courthouse and hundreds of comments thanking her. I messaged her about my husband's case. She only talks on WhatsApp, never on the phone, and said she's licensed in 'all 50 states'. She asked for a $450 retainer by Zelle to a man's name and told me she'd file a motion with the judge the same day. When I asked for her bar number she sent a picture of a certificate in Spanish and stopped answering."),
    ],
    "appointment_resale": [
        ("es", "tip", "Quiero avisar que en el grupo 'Mexicanos en Sacramento' hay una persona que ofrece citas para pasaporte y matrícula. Yo llevaba tres semanas intentando por teléfono y no encontraba, así que le escribí. Me pidió 70 dólares por Zelle y a los dos días me mandó una captura con mi nombre y una fecha. Cuando llegué al consulado me dijeron que la cita no existía en el sistema y que las citas son gratis. La persona usa el número +52 55 5550 0177 y dice que trabaja 'con gente de adentro'."),
    ],
    "payment_method": [
        ("en", "tip", "I hired a company to help with my mother's green card renewal. They gave me a price of $890 and said $540 of it was the USCIS fee. I offered to write a check to the Department of Homeland Security like the instructions say, but they said USCIS 'doesn't accept checks from individuals anymore' and that I had to send the whole amount by MoneyGram to their processing agent in Texas. After I sent it, they asked for another $300 in Google Play cards for an 'expedite fee'."),
    ],
    "dv_lottery": [
        ("es", "post", "Estimado participante: nos complace informarle que su registro fue seleccionado en el Programa de Visas de Diversidad. Para conservar su lugar deberá cubrir la cuota de procesamiento consular de 819 dólares por adulto antes de 7 días hábiles mediante transferencia internacional. Una vez recibido el pago le enviaremos su carta de entrevista y boletos de avión. Atentamente, Oficina de Visas, Departamento de Estado. Contacto: dv.seleccion.usa@gmail.com"),
    ],
    "asylum_10yr": [
        ("mix", "tip", "Mi hermano fue a una oficina en Dallas que le dijeron que con 'la ley de diez años' iba a sacar su green card porque tiene dos hijos nacidos aquí. They charged him $4,000 en tres pagos. Le hicieron firmar una aplicación en inglés que él no entendía. Después supimos que era un asylum application y ahora tiene una notice to appear en la corte de inmigración. The office says he has to pay otros 2 mil for the court part. Ya no sabemos qué hacer."),
    ],
}

EXTRA_LEGIT = {
    "official_warning": [
        ("es", "post", "ALERTA DEL CONSULADO DE MÉXICO: Ante el anuncio de la acción ejecutiva, recordamos a la comunidad que USCIS todavía no acepta solicitudes. Si alguien le dice que 'ya salió el DAPA', que le puede 'apartar su lugar en la fila', que su trámite está '100% garantizado' o que tiene 'contactos en inmigración', es un fraude. No entregue documentos originales, no firme formas en blanco y no pague con tarjetas de regalo, Western Union ni depósitos en OXXO. Ante cualquier duda llame al CIAM, 520-623-7874, las 24 horas."),
        ("en", "post", "SCAM ALERT: We are hearing reports of people receiving calls and letters from 'USCIS officers' who say an application has errors and must be corrected with a payment by Zelle, gift cards or wire transfer, sometimes threatening deportation. These are not from USCIS. USCIS does not call to demand payment, does not use personal bank accounts, and never threatens you over the phone. If you receive a message like this, do not pay. Write down the number and report it to the FTC and to your state Attorney General."),
    ],
    "news": [
        ("es", "post", "Una red de falsos gestores que vendía citas del consulado por redes sociales fue desmantelada esta semana, informó la fiscalía. Según la investigación, los acusados cobraban entre 40 y 120 dólares por citas que podían sacarse gratis y a veces entregaban confirmaciones falsas. Las víctimas eran contactadas por WhatsApp desde números con lada +52. La fiscalía pidió a quienes hayan pagado por una cita que presenten su denuncia y recordó que el consulado no trabaja con intermediarios."),
        ("en", "post", "A Los Angeles immigration consultant was sentenced Friday to four years in state prison for defrauding more than 60 clients, prosecutors said. The consultant advertised as a 'notario' on Spanish-language radio, promised 'guaranteed' work permits under programs that had not started, and charged between $1,500 and $6,000 per family. Investigators found that many of the applications were never filed, and several clients were placed in removal proceedings after he submitted asylum claims without their knowledge."),
    ],
    "legal_aid": [
        ("mix", "post", "FREE DACA & Executive Action Workshop / Taller GRATUITO: este sábado de 10 a 3 en la escuela Roosevelt. Abogados y representantes acreditados del DOJ van a revisar si calificas para DACA, renovaciones o otros beneficios. Bring: pasaporte o matrícula, acta de nacimiento, pruebas de que vives aquí desde 2010 (recibos, cartas de la escuela, talones de cheque). No cobramos nada y no necesitas cita. Recuerda: nadie puede cobrarte por 'apartar tu lugar' en DAPA."),
    ],
    "attorney_update": [
        ("en", "post", "A note to our clients and community after today's announcement: yes, the new deferred action programs are real, but USCIS is not accepting applications yet, and we do not know the final forms or fees. Anyone who tells you they can file for you today, put you on a priority list, or guarantee approval is not telling the truth. What you can do now: gather proof of identity, proof of your relationship to a US citizen or permanent resident child, and proof of continuous presence since 2010. We will hold free information sessions in January."),
    ],
    "everyday": [
        ("es", "post", "Les cuento que hoy fui a mandar dinero a mi mamá a Jalisco y la señorita del Western Union me dijo que ahora piden identificación para envíos de más de 1,000 dólares. Le enseñé mi matrícula consular y no hubo problema. De paso pagué el teléfono y compré una tarjeta de regalo para el cumpleaños de mi sobrino. Ya saben, si van los sábados hay una fila larguísima, mejor vayan entre semana temprano."),
        ("en", "post", "PSA for the neighborhood group: the community garden has 12 plots open for spring. To reserve your spot, fill out the form at the library front desk and pay the $20 season fee (cash or Venmo to the garden treasurer, receipts provided). First come, first served, and yes, the waitlist from last year gets priority. Tools are shared, water is free, and we have a potluck on the first Saturday of every month."),
    ],
    "consular_service": [
        ("es", "post", "Consulado sobre Ruedas en Oxnard: el sábado 14 atenderemos de 8 a 4 en el centro comunitario. Servicios: pasaportes, matrículas consulares, actas de nacimiento y credencial para votar. Es indispensable tener cita, que puede agendar gratis enviando 'Hola' al WhatsApp oficial o en el sistema de citas de la SRE. El consulado no trabaja con gestores ni cobra por las citas; solo pagará el costo del documento en la caja el día del trámite."),
    ],
    "mexican_notary": [
        ("mix", "post", "Update sobre la casa de mi abuelita en Michoacán: finally we got the escritura. El notario en Zamora needed el testamento, las actas de defunción apostilladas de California y un poder notarial que hicimos en el consulado de San Bernardino for my uncle who couldn't travel. Took like 4 months and cost around 18 mil pesos entre impuestos y honorarios, pero ya quedó inscrita en el Registro Público. If anyone needs the notario's contact, send me a DM."),
    ],
}

# Very short messages (20-50 characters).
SHORT_SCAM = {
    "appointment_resale": [("es", "post", "Citas consulado $40 x wsp 213-555-0101", ["wasap"])],
    "guaranteed_outcome": [("mix", "post", "D.A.C.A. garantizado, fast. $1,5OO. DM", ["dotted", "leet"])],
    "line_fee": [("en", "post", "Pre-register DAPA now, $99. Call 559-555-0120")],
    "notario": [("es", "post", "P.E.R.M.I.S.O de trabajo sin abogado, notario Lupe 714-555-0125", ["dotted"])],
    "deportation_threat": [("en", "tip", "ICE guy wants $400 cash or he takes my husband")],
    "fake_website": [("es", "post", "Vendo formas I-765 a $30 c/u, inbox")],
    "job_visa": [("mix", "post", "H2A visa jobs, fee $300, Telegram only")],
}
SHORT_LEGIT = {
    "official_warning": [("es", "post", "Las citas del consulado son gratis. No pague a nadie.")],
    "everyday": [("en", "post", "My Visa expired, waiting on the new card."),
                 ("mix", "post", "Western Union cerrado hoy por el holiday"),
                 ("es", "post", "Aparta tu lugar en la posada, trae un platillo")],
    "legal_aid": [("en", "post", "Free DACA clinic Sat 9am, St. Anne's hall")],
    "mexican_notary": [("es", "post", "Notaría 7 de Zapopan: horario de 9 a 6")],
}
for _k, _v in SHORT_SCAM.items():
    EXTRA_SCAM.setdefault(_k, []).extend(_v)
for _k, _v in SHORT_LEGIT.items():
    EXTRA_LEGIT.setdefault(_k, []).extend(_v)

# Scams that quote or spoof a real official number, so that "official number present" is
# not by itself proof of legitimacy.
OFFICIAL_NUMBER_SCAM = {
    "gov_impersonation": [
        ("es", "tip", "Me llamaron y en la pantalla salía 800-375-5283, que es el número de USCIS. El señor me dijo que mi caso de residencia tenía una 'alerta' y que para quitarla tenía que pagar 620 dólares en tarjetas de Google Play ese mismo día."),
    ],
    "appointment_resale": [
        ("mix", "post", "Ya sé que las citas oficiales son en el WhatsApp 55 8932 4827, pero nunca hay lugar. Yo te consigo la tuya this week por $45, pago por Zelle. DM."),
    ],
    "fake_profile": [
        ("en", "post", "Consulate protection office — for urgent help contact CIAM 520-623-7874 or message our agent directly on WhatsApp 619-555-0166 for faster service. Case review fee $60."),
    ],
}
for _k, _v in OFFICIAL_NUMBER_SCAM.items():
    EXTRA_SCAM.setdefault(_k, []).extend(_v)
