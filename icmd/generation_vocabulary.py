"""The words generated content is made of (icmd/generation.py), in French, English and
Spanish.

Each ``(fr, en, es)`` triple says one thing in the three languages, so that a generated
project's translations translate each other. Slots in braces are filled per row: ``{city}``
(a place of the row's country, the same in every language), ``{country}`` and ``{abroad}``
(country names, in the sentence's language), ``{n}`` and ``{year}`` (numbers).

The sentences are about what the portal is about: migration, migrants, the diaspora,
remittances, local development. A common word ("migration", "migrants", "développement")
is in most generated texts, as in the real portal; place names and numbers make each text
its own.
"""

# --- Countries -------------------------------------------------------------------------------
# Where projects take place ("origin", most projects first: the catalogue is skewed, one
# country holding about a tenth of it) and where the diaspora lives ("destination", where
# many projects have a partner). Each: ISO code, the site language its people write in,
# and places (cities, provinces) used in names and localities.

ORIGIN_COUNTRIES = [
    ("MA", "fr", "Figuig|Oujda|Nador|Tiznit|Ouarzazate|Béni Mellal|Khouribga|Taroudant|Al Hoceïma"),
    ("SN", "fr", "Diourbel|Sédhiou|Louga|Matam|Kolda|Tambacounda|Thiès|Ziguinchor"),
    ("PH", "en", "Naga|Batangas|Laguna|Iloilo|Cebu|Davao|Legazpi|Tarlac"),
    ("TN", "fr", "Sidi Bouzid|Médenine|Tataouine|Kasserine|Gafsa|Jendouba|Mahdia"),
    ("EC", "es", "Imbabura|Pichincha|Azuay|Cañar|Loja|Otavalo|Cuenca"),
    ("SV", "es", "Morazán|La Unión|San Miguel|Usulután|Chalatenango|Santa Ana"),
    ("NP", "en", "Dhanusha|Syangja|Jhapa|Kailali|Pokhara|Butwal|Dhangadhi"),
    ("CR", "es", "Upala|León Cortés|Los Santos|Los Chiles|Pérez Zeledón|Liberia"),
    ("ML", "fr", "Kayes|Nioro du Sahel|Yélimané|Diéma|Ségou|Sikasso"),
    ("MX", "es", "Zacatecas|Michoacán|Oaxaca|Puebla|Jalisco|Guerrero"),
    ("GH", "en", "Kumasi|Tamale|Techiman|Bolgatanga|Ho|Cape Coast"),
    ("DZ", "fr", "Tizi Ouzou|Béjaïa|Sétif|Tlemcen|Oran|Biskra"),
    ("GT", "es", "Huehuetenango|Quetzaltenango|San Marcos|Quiché|Petén"),
    ("EG", "en", "Fayoum|Minya|Sohag|Assiut|Gharbia|Dakahlia"),
    ("MD", "en", "Cahul|Bălți|Soroca|Orhei|Ungheni"),
    ("GE", "en", "Kutaisi|Batumi|Gori|Telavi|Zugdidi"),
    ("CV", "en", "Praia|Mindelo|Santa Catarina|São Filipe|Tarrafal"),
    ("NG", "en", "Benin City|Kano|Enugu|Owerri|Ibadan"),
    ("LK", "en", "Kurunegala|Kandy|Galle|Jaffna|Batticaloa"),
    ("ET", "en", "Dessie|Hawassa|Gondar|Jimma|Mekelle"),
    ("HN", "es", "Copán|Olancho|Choluteca|Yoro|Intibucá"),
    ("CO", "es", "Risaralda|Pereira|Cúcuta|Nariño|Valle del Cauca"),
    ("BO", "es", "Cochabamba|Potosí|Oruro|Tarija|Sucre"),
    ("PE", "es", "Junín|Arequipa|Cusco|Piura|Puno"),
    ("HT", "fr", "Jacmel|Les Cayes|Jérémie|Cap-Haïtien|Hinche"),
    ("DO", "es", "Santiago|San Francisco de Macorís|Baní|La Vega|Moca"),
    ("CI", "fr", "Bouaké|Daloa|Korhogo|Man|San-Pédro"),
    ("BF", "fr", "Koudougou|Ouahigouya|Tenkodogo|Kaya|Dori"),
    ("CM", "fr", "Bafoussam|Dschang|Garoua|Bamenda|Ebolowa"),
    ("GN", "fr", "Labé|Kankan|Mamou|Kindia|Nzérékoré"),
    ("MR", "fr", "Kaédi|Sélibaby|Rosso|Kiffa|Aleg"),
    ("NE", "fr", "Zinder|Maradi|Tahoua|Agadez|Dosso"),
    ("TG", "fr", "Kara|Sokodé|Atakpamé|Dapaong|Kpalimé"),
    ("BJ", "fr", "Parakou|Abomey|Djougou|Natitingou|Lokossa"),
    ("CG", "fr", "Pointe-Noire|Dolisie|Owando|Nkayi"),
    ("CD", "fr", "Kikwit|Bukavu|Goma|Kisangani|Mbandaka"),
    ("LB", "fr", "Tripoli|Saïda|Zahlé|Baalbek|Tyr"),
    ("JO", "en", "Irbid|Mafraq|Zarqa|Karak|Ma'an"),
    ("KE", "en", "Kisumu|Mombasa|Nakuru|Eldoret|Garissa"),
    ("SO", "en", "Hargeisa|Baidoa|Kismayo|Garowe|Galkayo"),
    ("AM", "en", "Gyumri|Vanadzor|Ijevan|Goris|Kapan"),
    ("UA", "en", "Lviv|Ternopil|Chernivtsi|Uzhhorod|Ivano-Frankivsk"),
    ("KG", "en", "Osh|Jalal-Abad|Naryn|Karakol|Batken"),
    ("TJ", "en", "Khujand|Kulob|Khorog|Bokhtar|Istaravshan"),
    ("BD", "en", "Sylhet|Comilla|Chittagong|Noakhali|Rajshahi"),
]
DESTINATION_COUNTRIES = [
    ("FR", "fr", "Montreuil|Marseille|Lyon|Lille|Bordeaux|Mantes-la-Jolie|Grenoble"),
    ("IT", "en", "Venezia|Torino|Milano|Firenze|Bologna|Roma"),
    ("ES", "es", "Madrid|Barcelona|Valencia|Murcia|Almería|Sevilla"),
    ("BE", "fr", "Bruxelles|Liège|Charleroi|Namur|Mons"),
    ("US", "en", "New York|Los Angeles|Houston|Chicago|Washington"),
    ("DE", "en", "Berlin|Köln|Frankfurt|München|Hamburg"),
    ("NL", "en", "Amsterdam|Rotterdam|Utrecht|Den Haag"),
    ("CH", "fr", "Genève|Lausanne|Neuchâtel|Fribourg|Sion"),
    ("CA", "fr", "Montréal|Québec|Ottawa|Gatineau|Sherbrooke"),
    ("GB", "en", "London|Birmingham|Manchester|Leeds|Leicester"),
    ("PT", "en", "Lisboa|Porto|Amadora|Setúbal"),
    ("SE", "en", "Stockholm|Göteborg|Malmö|Uppsala"),
    ("AT", "en", "Wien|Graz|Linz|Salzburg"),
    ("IE", "en", "Dublin|Cork|Galway|Limerick"),
    ("LU", "fr", "Luxembourg|Esch-sur-Alzette|Differdange"),
]
MAX_COUNTRIES = len(ORIGIN_COUNTRIES) + len(DESTINATION_COUNTRIES)

# --- People ----------------------------------------------------------------------------------

FIRST_NAMES = {
    "maghreb": "Amina Youssef Fatima Karim Nadia Rachid Samira Mehdi Leila Hamza Khadija Omar "
    "Salma Anouar Imane Nabil Houda Tarek Sanae Walid",
    "west_africa": "Aminata Moussa Fatou Ousmane Awa Mamadou Mariama Ibrahima Aïssatou "
    "Abdoulaye Kadiatou Seydou Ndeye Cheikh Binta Lamine Coumba Adama Kwame Ama",
    "east_africa": "Abebe Hana Yonas Meron Wanjiru Otieno Amani Faduma Abdi Tigist",
    "south_asia": "Sita Ram Anita Bikash Sunita Prakash Gita Rajesh Nirmala Sanjay Kamala "
    "Dipak Farhana Rahim Nimal Kumari",
    "southeast_asia": "Maria Jose Rosario Rodel Maricel Jun Liza Ramon Cristina Noel Grace "
    "Arnel Joy Edwin",
    "latin_america": "María José Juan Carmen Luis Ana Carlos Rosa Jorge Lucía Miguel "
    "Gabriela Fernando Daniela Ricardo Sofía Andrés Paola Diego Valeria",
    "eastern_europe": "Nino Giorgi Ana Levan Elena Ion Natalia Andrei Oksana Taras Aigul "
    "Bakyt Armen Lilit",
    "europe": "Claire Marc Sophie Pierre Julie Thomas Giulia Marco Laura Hans Anna Peter "
    "Emma John Sarah David Inès Paul Chiara Pablo",
}
LAST_NAMES = {
    "maghreb": "Benali Amrani Bouzid Haddad Chraibi Tazi Belkacem Mansouri Ouali "
    "Zerhouni Bennani Alaoui Jaziri Trabelsi Gharbi Saidi",
    "west_africa": "Diallo Ndiaye Traoré Sow Diop Koné Camara Sy Ba Keïta Cissé Fall Sarr "
    "Touré Mensah Owusu Boateng Ouédraogo Kaboré Adjovi",
    "east_africa": "Tesfaye Bekele Mohamed Odhiambo Kamau Hassan Girma Wambui",
    "south_asia": "Shrestha Gurung Tamang Sharma Thapa Rai Magar Adhikari Karki Rahman "
    "Hossain Perera Fernando Silva",
    "southeast_asia": "Santos Reyes Cruz Bautista Garcia Mendoza Ramos Villanueva "
    "Aquino Castillo Navarro Dizon",
    "latin_america": "García Hernández López Martínez Rodríguez Pérez Sánchez Ramírez Flores "
    "Morales Vargas Castro Rojas Jiménez Chávez Quispe Mamani Mejía",
    "eastern_europe": "Beridze Kapanadze Rusu Popescu Ceban Kovalenko Shevchenko Asanov "
    "Petrosyan Hakobyan Rahimov",
    "europe": "Martin Bernard Dubois Rossi Bianchi Müller Schmidt Smith Jones Janssens "
    "Peeters Visser Silva Johansson Moreau Ferrari",
}
REGION_OF_COUNTRY = {
    **dict.fromkeys(["MA", "TN", "DZ", "EG", "MR", "LB", "JO"], "maghreb"),
    **dict.fromkeys(
        ["SN", "ML", "GN", "CI", "BF", "CM", "CG", "CD", "NE", "TG", "BJ", "GH", "NG", "CV", "HT"],
        "west_africa",
    ),
    **dict.fromkeys(["KE", "ET", "SO"], "east_africa"),
    **dict.fromkeys(["NP", "BD", "LK"], "south_asia"),
    "PH": "southeast_asia",
    **dict.fromkeys(["EC", "SV", "CR", "MX", "GT", "HN", "CO", "BO", "PE", "DO"], "latin_america"),
    **dict.fromkeys(["GE", "AM", "MD", "UA", "KG", "TJ"], "eastern_europe"),
}

# --- Organisations ---------------------------------------------------------------------------
# By kind: names with an official translation in every language (a municipality, an agency),
# and names that exist in one language only (an association's), by language.

TRANSLATED_NAMES = {
    "local_authority": [
        ("Commune de {city}", "Municipality of {city}", "Municipalidad de {city}"),
        ("Conseil régional de {city}", "{city} Regional Council", "Consejo Regional de {city}"),
        (
            "Gouvernement provincial de {city}",
            "Provincial Government of {city}",
            "Gobierno Provincial de {city}",
        ),
        (
            "Conseil départemental de {city}",
            "{city} District Council",
            "Consejo Distrital de {city}",
        ),
    ],
    "development_agency": [
        (
            "Agence régionale de développement de {city}",
            "{city} Regional Development Agency",
            "Agencia Regional de Desarrollo de {city}",
        ),
        (
            "Agence de développement économique local de {city}",
            "{city} Local Economic Development Agency",
            "Agencia de Desarrollo Económico Local de {city}",
        ),
    ],
    "international": [
        (
            "Bureau de {city} de l'Organisation pour les migrations et le développement",
            "Organisation for Migration and Development, {city} office",
            "Organización para las Migraciones y el Desarrollo, oficina de {city}",
        ),
    ],
}
OWN_LANGUAGE_NAMES = {
    "civil_society": {
        "fr": [
            "Association {word_fr} de {city}",
            "Collectif des femmes de {city}",
            "Union des coopératives agricoles de {city}",
        ],
        "en": [
            "{city} Community Development Network",
            "{city} Women's Cooperative Union",
            "{word_en} Youth Association of {city}",
        ],
        "es": [
            "Asociación {word_es} de {city}",
            "Red de Mujeres de {city}",
            "Cooperativa Agrícola de {city}",
        ],
    },
    "diaspora": {
        "fr": [
            "Association des migrants de {origin} à {city}",
            "Association des ressortissants de {origin}",
            "Collectif de la diaspora de {origin} à {city}",
        ],
        "en": [
            "{origin} Migrants' Association of {city}",
            "{origin} Diaspora Network in {city}",
            "Friends of {origin} Hometown Association",
        ],
        "es": [
            "Asociación de Migrantes de {origin} en {city}",
            "Club de Oriundos de {origin}",
            "Red de la Diáspora de {origin} en {city}",
        ],
    },
    "ngo": {
        "fr": ["ONG {word_fr}", "{word_fr} sans frontières", "Migrations et Développement {city}"],
        "en": ["{word_en} International", "{word_en} for Migrants", "Migrants' Rights {city}"],
        "es": ["ONG {word_es}", "Fundación {word_es} para la Migración", "Pastoral del Migrante"],
    },
    "foundation": {
        "fr": ["Fondation {word_fr} pour {city}"],
        "en": ["{word_en} Foundation of {city}"],
        "es": ["Fundación {word_es} de {city}"],
    },
    "private_sector": {
        "fr": ["Chambre de commerce de {city}", "Coopérative d'épargne et de crédit de {city}"],
        "en": ["{city} Chamber of Commerce", "{city} Savings and Credit Cooperative"],
        "es": ["Cámara de Comercio de {city}", "Cooperativa de Ahorro y Crédito de {city}"],
    },
}
NAME_WORDS = [
    ("Espoir", "Hope", "Esperanza"),
    ("Solidarité", "Solidarity", "Solidaridad"),
    ("Avenir", "Future", "Futuro"),
    ("Horizons", "Horizons", "Horizontes"),
    ("Passerelles", "Bridges", "Puentes"),
    ("Racines", "Roots", "Raíces"),
    ("Terre et Eau", "Land and Water", "Tierra y Agua"),
    ("Nouvel Élan", "New Start", "Nuevo Impulso"),
    ("Deux Rives", "Two Shores", "Dos Orillas"),
    ("Main dans la main", "Hand in Hand", "Mano a Mano"),
]
# Which kinds of organisation are found where, and how often (weights).
KINDS_AT_HOME = [
    ("local_authority", 30),
    ("civil_society", 25),
    ("ngo", 14),
    ("development_agency", 10),
    ("diaspora", 6),
    ("foundation", 5),
    ("private_sector", 6),
    ("international", 4),
]
KINDS_ABROAD = [
    ("diaspora", 45),
    ("ngo", 22),
    ("local_authority", 14),
    ("civil_society", 8),
    ("foundation", 6),
    ("international", 5),
]

ORGANISATION_SENTENCES = [
    (
        "Fondée en {year}, l'organisation accompagne les migrants et leurs familles.",
        "Founded in {year}, the organisation supports migrants and their families.",
        "Fundada en {year}, la organización acompaña a los migrantes y a sus familias.",
    ),
    (
        "Elle réunit {n} membres autour du développement local et de la migration.",
        "It brings together {n} members around local development and migration.",
        "Reúne a {n} miembros en torno al desarrollo local y la migración.",
    ),
    (
        "Elle travaille avec les associations de la diaspora établies en {abroad}.",
        "It works with diaspora associations based in {abroad}.",
        "Trabaja con las asociaciones de la diáspora establecidas en {abroad}.",
    ),
    (
        "Ses programmes couvrent la formation, l'emploi des jeunes et l'accès aux droits.",
        "Its programmes cover training, youth employment and access to rights.",
        "Sus programas abarcan la formación, el empleo juvenil y el acceso a los derechos.",
    ),
]

# --- Projects --------------------------------------------------------------------------------

LOCALITIES = [
    ("Commune de {city}", "{city} municipality", "Municipio de {city}"),
    ("Province de {city}", "{city} province", "Provincia de {city}"),
    ("Région de {city}", "{city} region", "Región de {city}"),
    ("Canton de {city}", "{city} canton", "Cantón de {city}"),
    ("District de {city}", "{city} district", "Distrito de {city}"),
]
PROJECT_TITLES = [
    (
        "la migration au service du développement local",
        "migration for local development",
        "la migración al servicio del desarrollo local",
    ),
    ("jeunes, emploi et migration", "youth, jobs and migration", "juventud, empleo y migración"),
    (
        "la diaspora investit dans son territoire d'origine",
        "the diaspora invests in its home region",
        "la diáspora invierte en su territorio de origen",
    ),
    (
        "un guichet unique pour les migrants de retour",
        "a one-stop shop for returning migrants",
        "una ventanilla única para los migrantes retornados",
    ),
    (
        "transferts de fonds et moyens de subsistance",
        "remittances and livelihoods",
        "remesas y medios de vida",
    ),
    (
        "femmes migrantes et entrepreneuriat",
        "migrant women and entrepreneurship",
        "mujeres migrantes y emprendimiento",
    ),
    (
        "gouvernance locale de la mobilité humaine",
        "local governance of human mobility",
        "gobernanza local de la movilidad humana",
    ),
    (
        "co-développement entre deux rives",
        "co-development between two shores",
        "codesarrollo entre dos orillas",
    ),
    (
        "intégrer la migration dans la planification locale",
        "mainstreaming migration into local planning",
        "integrar la migración en la planificación local",
    ),
    (
        "santé pour tous, migrants compris",
        "health for all, migrants included",
        "salud para todos, incluidos los migrantes",
    ),
    (
        "réseau des migrants investisseurs",
        "migrant investors' network",
        "red de migrantes inversores",
    ),
    (
        "accueil et insertion des réfugiés et des déplacés",
        "welcoming and including refugees and displaced people",
        "acogida e inclusión de refugiados y desplazados",
    ),
    (
        "agriculture, oasis et diaspora",
        "farming, oases and the diaspora",
        "agricultura, oasis y diáspora",
    ),
    (
        "droits des travailleurs migrants et de leurs familles",
        "rights of migrant workers and their families",
        "derechos de los trabajadores migrantes y sus familias",
    ),
    (
        "cohésion sociale et communautés d'accueil",
        "social cohesion and host communities",
        "cohesión social y comunidades de acogida",
    ),
    (
        "données locales sur la migration",
        "local data on migration",
        "datos locales sobre la migración",
    ),
]
OBJECTIVES = [
    (
        "Renforcer le rôle des migrants et de leurs associations dans le développement "
        "économique et social de {city}.",
        "Strengthen the role of migrants and their associations in the economic and social "
        "development of {city}.",
        "Fortalecer el papel de los migrantes y sus asociaciones en el desarrollo económico y "
        "social de {city}.",
    ),
    (
        "Contribuer à l'amélioration de la qualité de vie des familles de migrants, en "
        "particulier des jeunes et des femmes.",
        "Contribute to improving the quality of life of migrants' families, in particular "
        "young people and women.",
        "Contribuir a mejorar la calidad de vida de las familias de migrantes, en particular "
        "de los jóvenes y las mujeres.",
    ),
    (
        "Intégrer la migration dans les plans de développement local de {city}, avec les "
        "autorités locales et la société civile.",
        "Mainstream migration into the local development plans of {city}, with local "
        "authorities and civil society.",
        "Integrar la migración en los planes de desarrollo local de {city}, con las autoridades "
        "locales y la sociedad civil.",
    ),
    (
        "Orienter les transferts de fonds de la diaspora vers l'investissement productif et "
        "l'emploi local.",
        "Channel the diaspora's remittances into productive investment and local jobs.",
        "Orientar las remesas de la diáspora hacia la inversión productiva y el empleo local.",
    ),
    (
        "Améliorer l'accueil, l'orientation et la réinsertion des migrants de retour à {city}.",
        "Improve the reception, guidance and reintegration of returning migrants in {city}.",
        "Mejorar la acogida, la orientación y la reinserción de los migrantes retornados en "
        "{city}.",
    ),
    (
        "Protéger les droits des travailleurs migrants et prévenir la migration irrégulière.",
        "Protect the rights of migrant workers and prevent irregular migration.",
        "Proteger los derechos de los trabajadores migrantes y prevenir la migración irregular.",
    ),
    (
        "Relier les collectivités de {city} et de {abroad} par la coopération décentralisée.",
        "Link local governments in {city} and {abroad} through decentralised cooperation.",
        "Unir a los gobiernos locales de {city} y de {abroad} mediante la cooperación "
        "descentralizada.",
    ),
]
PROJECT_SENTENCES = [
    (
        "La migration est un levier du développement local à {city}.",
        "Migration is a lever for local development in {city}.",
        "La migración es una palanca para el desarrollo local en {city}.",
    ),
    (
        "Le projet renforce les capacités de la commune à accueillir les migrants de retour.",
        "The project strengthens the municipality's capacity to welcome returning migrants.",
        "El proyecto fortalece la capacidad del municipio para acoger a los migrantes retornados.",
    ),
    (
        "Les associations de la diaspora établies en {abroad} cofinancent des investissements "
        "productifs.",
        "Diaspora associations based in {abroad} co-finance productive investments.",
        "Las asociaciones de la diáspora establecidas en {abroad} cofinancian inversiones "
        "productivas.",
    ),
    (
        "Un guichet unique informe les candidats à la migration sur leurs droits.",
        "A one-stop shop informs prospective migrants of their rights.",
        "Una ventanilla única informa a las personas que desean migrar sobre sus derechos.",
    ),
    (
        "{n} jeunes suivent une formation professionnelle dans l'agriculture et le tourisme.",
        "{n} young people take vocational training in farming and tourism.",
        "{n} jóvenes reciben formación profesional en agricultura y turismo.",
    ),
    (
        "Les transferts de fonds des migrants financent l'irrigation et l'eau potable.",
        "Migrants' remittances fund irrigation and drinking water.",
        "Las remesas de los migrantes financian el riego y el agua potable.",
    ),
    (
        "Un plan local intègre la migration dans la planification du développement.",
        "A local plan mainstreams migration into development planning.",
        "Un plan local integra la migración en la planificación del desarrollo.",
    ),
    (
        "Les femmes migrantes de retour créent des coopératives et de petites entreprises.",
        "Returning migrant women set up cooperatives and small businesses.",
        "Las mujeres migrantes retornadas crean cooperativas y pequeñas empresas.",
    ),
    (
        "La coopération décentralisée relie {city} aux collectivités de {abroad}.",
        "Decentralised cooperation links {city} with local governments in {abroad}.",
        "La cooperación descentralizada une {city} con los gobiernos locales de {abroad}.",
    ),
    (
        "Les familles des migrants accèdent mieux aux services de santé et d'éducation.",
        "Migrants' families gain better access to health and education services.",
        "Las familias de los migrantes acceden mejor a los servicios de salud y educación.",
    ),
    (
        "Un observatoire local recueille des données sur la migration et la mobilité humaine.",
        "A local observatory collects data on migration and human mobility.",
        "Un observatorio local recopila datos sobre la migración y la movilidad humana.",
    ),
    (
        "Les autorités locales et la société civile coordonnent l'accueil des réfugiés.",
        "Local authorities and civil society coordinate the reception of refugees.",
        "Las autoridades locales y la sociedad civil coordinan la acogida de refugiados.",
    ),
    (
        "Des campagnes de sensibilisation préviennent la migration irrégulière et la traite.",
        "Awareness campaigns prevent irregular migration and trafficking.",
        "Campañas de sensibilización previenen la migración irregular y la trata.",
    ),
    (
        "Le réseau des migrants investisseurs accompagne {n} projets d'entreprise.",
        "The migrant investors' network supports {n} business projects.",
        "La red de migrantes inversores acompaña {n} proyectos empresariales.",
    ),
    (
        "Les élus locaux sont formés à la gouvernance des migrations.",
        "Local elected officials are trained in the governance of migration.",
        "Los cargos electos locales se forman en la gobernanza de la migración.",
    ),
    (
        "La cohésion sociale entre migrants et communautés d'accueil se renforce.",
        "Social cohesion between migrants and host communities grows stronger.",
        "Se fortalece la cohesión social entre migrantes y comunidades de acogida.",
    ),
    (
        "Les produits agricoles locaux trouvent de nouveaux marchés grâce à la diaspora.",
        "Local farm produce finds new markets through the diaspora.",
        "Los productos agrícolas locales encuentran nuevos mercados gracias a la diáspora.",
    ),
    (
        "Les droits des travailleurs migrants et de leurs familles sont mieux protégés.",
        "The rights of migrant workers and their families are better protected.",
        "Los derechos de los trabajadores migrantes y sus familias están mejor protegidos.",
    ),
    (
        "Une étude mesure l'effet des transferts de fonds sur l'économie de la région.",
        "A study measures the effect of remittances on the region's economy.",
        "Un estudio mide el efecto de las remesas en la economía de la región.",
    ),
    (
        "Les enfants restés au pays reçoivent un soutien scolaire et psychosocial.",
        "Children left behind receive school and psychosocial support.",
        "Los niños que se quedan en el país reciben apoyo escolar y psicosocial.",
    ),
]

# --- Forums ----------------------------------------------------------------------------------

TOPIC_TITLES = [
    (
        "Comment impliquer la diaspora dans les plans de développement local ?",
        "How can the diaspora take part in local development plans?",
        "¿Cómo implicar a la diáspora en los planes de desarrollo local?",
    ),
    (
        "Guichets pour migrants de retour : vos expériences",
        "One-stop shops for returning migrants: your experiences",
        "Ventanillas para migrantes retornados: sus experiencias",
    ),
    (
        "Transferts de fonds et investissement productif",
        "Remittances and productive investment",
        "Remesas e inversión productiva",
    ),
    (
        "Intégrer la migration dans la planification communale",
        "Mainstreaming migration into municipal planning",
        "Integrar la migración en la planificación municipal",
    ),
    (
        "Données locales sur la migration : quels outils ?",
        "Local data on migration: which tools?",
        "Datos locales sobre la migración: ¿qué herramientas?",
    ),
    (
        "Jeunes et migration : retenir les talents à {city}",
        "Youth and migration: keeping talent in {city}",
        "Juventud y migración: retener el talento en {city}",
    ),
    (
        "Coopération décentralisée avec {abroad}",
        "Decentralised cooperation with {abroad}",
        "Cooperación descentralizada con {abroad}",
    ),
    (
        "Femmes migrantes et coopératives",
        "Migrant women and cooperatives",
        "Mujeres migrantes y cooperativas",
    ),
    (
        "Accueil des réfugiés par les collectivités locales",
        "Local governments welcoming refugees",
        "Acogida de refugiados por los gobiernos locales",
    ),
    (
        "Financer un projet avec la diaspora de {country}",
        "Funding a project with the diaspora of {country}",
        "Financiar un proyecto con la diáspora de {country}",
    ),
    (
        "Migration et changement climatique à {city}",
        "Migration and climate change in {city}",
        "Migración y cambio climático en {city}",
    ),
    (
        "Retour d'expérience : projet de {city}",
        "Lessons learned: the {city} project",
        "Lecciones aprendidas: el proyecto de {city}",
    ),
]
GREETINGS = [
    ("Bonjour à tous,", "Hello everyone,", "Hola a todos:"),
    ("Merci pour ce sujet.", "Thanks for raising this.", "Gracias por abrir este tema."),
    ("Chers collègues,", "Dear colleagues,", "Estimados colegas:"),
]
CLOSINGS = [
    ("Cordialement.", "Best regards.", "Saludos cordiales."),
    ("Au plaisir d'échanger.", "Happy to discuss further.", "Quedo atento a sus comentarios."),
]
FORUM_SENTENCES = [
    (
        "Dans notre commune, la migration a changé le visage des villages.",
        "In our municipality, migration has changed the face of the villages.",
        "En nuestro municipio, la migración ha cambiado la cara de los pueblos.",
    ),
    (
        "Nous avons ouvert un guichet pour les migrants de retour à {city}, avec des résultats "
        "encourageants.",
        "We opened a desk for returning migrants in {city}, with encouraging results.",
        "Abrimos una ventanilla para migrantes retornados en {city}, con resultados alentadores.",
    ),
    (
        "Quelqu'un a-t-il l'expérience d'un fonds de cofinancement avec la diaspora ?",
        "Does anyone have experience of a matching fund with the diaspora?",
        "¿Alguien tiene experiencia con un fondo de cofinanciación con la diáspora?",
    ),
    (
        "Le principal défi reste la confiance entre les autorités locales et les associations "
        "de migrants.",
        "The main challenge is still trust between local authorities and migrant associations.",
        "El principal desafío sigue siendo la confianza entre las autoridades locales y las "
        "asociaciones de migrantes.",
    ),
    (
        "Je partage le compte rendu de notre réunion avec les partenaires en {abroad}.",
        "I am sharing the minutes of our meeting with the partners in {abroad}.",
        "Comparto el acta de nuestra reunión con los socios en {abroad}.",
    ),
    (
        "Les transferts de fonds servent surtout à la consommation des familles.",
        "Remittances are mostly spent on families' day-to-day needs.",
        "Las remesas se destinan sobre todo al consumo de las familias.",
    ),
    (
        "Il faut intégrer la migration dans les plans de développement communaux.",
        "Migration has to be part of municipal development plans.",
        "Hay que integrar la migración en los planes de desarrollo municipales.",
    ),
    (
        "À {city}, les jeunes partent faute d'emploi : que pouvons-nous proposer ?",
        "In {city}, young people leave for lack of jobs: what can we offer them?",
        "En {city}, los jóvenes se van por falta de empleo: ¿qué podemos ofrecerles?",
    ),
    (
        "Notre association a formé {n} femmes à la gestion de coopératives.",
        "Our association has trained {n} women to run cooperatives.",
        "Nuestra asociación ha formado a {n} mujeres en la gestión de cooperativas.",
    ),
    (
        "Les données sur la migration sont indispensables pour planifier.",
        "Data on migration is essential for planning.",
        "Los datos sobre la migración son imprescindibles para planificar.",
    ),
    (
        "Je suis d'accord avec le message précédent.",
        "I agree with the previous message.",
        "Estoy de acuerdo con el mensaje anterior.",
    ),
    (
        "Pouvez-vous partager les outils utilisés pour le diagnostic local ?",
        "Could you share the tools you used for the local assessment?",
        "¿Podrían compartir las herramientas utilizadas para el diagnóstico local?",
    ),
    (
        "La coopération entre {city} et les communes de {abroad} a commencé il y a {n} ans.",
        "Cooperation between {city} and municipalities in {abroad} began {n} years ago.",
        "La cooperación entre {city} y los municipios de {abroad} comenzó hace {n} años.",
    ),
    (
        "La migration de retour pose aussi la question de la reconnaissance des compétences.",
        "Return migration also raises the question of recognising skills.",
        "La migración de retorno plantea también el reconocimiento de las competencias.",
    ),
    (
        "Les migrants ne sont pas seulement des envoyeurs de fonds, ce sont des acteurs du "
        "développement.",
        "Migrants are not only senders of money, they are actors of development.",
        "Los migrantes no son solo remitentes de dinero, son actores del desarrollo.",
    ),
    (
        "Nous cherchons des partenaires en {abroad} pour un projet agricole.",
        "We are looking for partners in {abroad} for a farming project.",
        "Buscamos socios en {abroad} para un proyecto agrícola.",
    ),
    (
        "La sécheresse accélère la migration des zones rurales vers les villes.",
        "Drought is speeding up migration from rural areas to the cities.",
        "La sequía acelera la migración de las zonas rurales hacia las ciudades.",
    ),
    (
        "Merci pour ce partage, c'est très utile pour notre conseil municipal.",
        "Thank you for sharing, this is very useful for our town council.",
        "Gracias por compartir, es muy útil para nuestro concejo municipal.",
    ),
]
LIST_ITEMS = [
    ("un diagnostic local partagé", "a shared local assessment", "un diagnóstico local compartido"),
    ("un budget dédié", "a dedicated budget", "un presupuesto propio"),
    ("un point focal migration", "a migration focal point", "un punto focal de migración"),
    (
        "la diaspora associée dès le début",
        "the diaspora involved from the start",
        "la diáspora implicada desde el principio",
    ),
    ("un suivi des résultats", "monitoring of results", "un seguimiento de los resultados"),
]
GUIDING_QUESTIONS = [
    (
        "Quel rôle les collectivités locales jouent-elles dans la gouvernance des migrations ?",
        "What role do local governments play in governing migration?",
        "¿Qué papel desempeñan los gobiernos locales en la gobernanza de la migración?",
    ),
    (
        "Comment mobiliser les compétences et l'épargne de la diaspora ?",
        "How can the diaspora's skills and savings be mobilised?",
        "¿Cómo movilizar las competencias y el ahorro de la diáspora?",
    ),
    (
        "Quelles pratiques ont fonctionné dans votre territoire ?",
        "Which practices have worked in your area?",
        "¿Qué prácticas han funcionado en su territorio?",
    ),
]
SUMMARIES = [
    (
        "Les participants ont partagé {n} expériences. La migration est reconnue comme un "
        "levier du développement local lorsque les collectivités coordonnent les acteurs.",
        "Participants shared {n} experiences. Migration is recognised as a lever for local "
        "development when local governments bring the actors together.",
        "Los participantes compartieron {n} experiencias. La migración se reconoce como una "
        "palanca del desarrollo local cuando los gobiernos locales coordinan a los actores.",
    ),
]
HIDDEN_REASONS = [
    (
        "Publicité sans rapport avec la discussion.",
        "Advertising unrelated to the discussion.",
        "Publicidad sin relación con la discusión.",
    ),
    (
        "Propos injurieux envers un autre membre.",
        "Insulting another member.",
        "Insultos hacia otro miembro.",
    ),
    (
        "Le message publiait les coordonnées personnelles d'un tiers.",
        "The message published someone else's personal details.",
        "El mensaje publicaba los datos personales de un tercero.",
    ),
]
FLAG_REASONS = [
    (
        "Ce message répète le même lien partout.",
        "This message posts the same link everywhere.",
        "Este mensaje repite el mismo enlace en todas partes.",
    ),
    (
        "Hors sujet, et le ton est agressif.",
        "Off topic, and the tone is aggressive.",
        "Fuera de tema, y el tono es agresivo.",
    ),
]
DISMISSED = (
    "Rien de contraire aux règles.",
    "Nothing against the rules.",
    "Nada contrario a las normas.",
)

# --- Members ---------------------------------------------------------------------------------

BIOS = [
    (
        "Je travaille sur la migration et le développement local depuis {n} ans.",
        "I have worked on migration and local development for {n} years.",
        "Trabajo en migración y desarrollo local desde hace {n} años.",
    ),
    (
        "Chargée de projets à {city}, je m'intéresse aux transferts de fonds de la diaspora.",
        "Project officer in {city}, interested in diaspora remittances.",
        "Responsable de proyectos en {city}, me interesan las remesas de la diáspora.",
    ),
    (
        "Élu local, je souhaite échanger avec d'autres communes sur l'accueil des migrants.",
        "As a local councillor, I want to exchange with other towns on welcoming migrants.",
        "Como concejal, quiero intercambiar con otros municipios sobre la acogida de migrantes.",
    ),
    (
        "Membre de la diaspora installé en {abroad}, je soutiens des projets dans ma région "
        "d'origine.",
        "A member of the diaspora living in {abroad}, I support projects in my home region.",
        "Miembro de la diáspora residente en {abroad}, apoyo proyectos en mi región de origen.",
    ),
]
AFFILIATIONS = [
    ("Commune de {city}", "Municipality of {city}", "Municipalidad de {city}"),
    ("Université de {city}", "University of {city}", "Universidad de {city}"),
    (
        "Association des migrants de {city}",
        "{city} Migrants' Association",
        "Asociación de Migrantes de {city}",
    ),
    ("Consultant indépendant", "Independent consultant", "Consultor independiente"),
]

# --- Blogs and news --------------------------------------------------------------------------

BLOG_TITLES = [
    (
        "Ce que la diaspora de {city} a changé chez nous",
        "What the {city} diaspora changed for us",
        "Lo que la diáspora de {city} cambió en nuestra tierra",
    ),
    (
        "Trois leçons d'un projet de migration et développement",
        "Three lessons from a migration and development project",
        "Tres lecciones de un proyecto de migración y desarrollo",
    ),
    (
        "La migration vue depuis la mairie de {city}",
        "Migration seen from the town hall of {city}",
        "La migración vista desde la alcaldía de {city}",
    ),
    (
        "Retour au pays : témoignage d'une entrepreneuse",
        "Coming home: a woman entrepreneur's story",
        "El regreso: testimonio de una emprendedora",
    ),
]
NEWS_TITLES = [
    (
        "Lancement de {n} nouveaux projets en {country}",
        "{n} new projects launched in {country}",
        "Lanzamiento de {n} nuevos proyectos en {country}",
    ),
    (
        "Appel à propositions : migration et développement local",
        "Call for proposals: migration and local development",
        "Convocatoria de propuestas: migración y desarrollo local",
    ),
    (
        "Rencontre des partenaires de l'initiative à {city}",
        "The initiative's partners meet in {city}",
        "Encuentro de los socios de la iniciativa en {city}",
    ),
    (
        "Nouveau guide sur la gouvernance locale des migrations",
        "New guide on the local governance of migration",
        "Nueva guía sobre la gobernanza local de la migración",
    ),
]
BLOG_HEADINGS = [
    ("Le contexte", "The background", "El contexto"),
    ("Ce que nous avons appris", "What we learned", "Lo que aprendimos"),
    ("Et maintenant ?", "What next?", "¿Y ahora qué?"),
]
