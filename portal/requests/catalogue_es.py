"""Spanish text for the demo catalogue (city content, translated by the project)."""

GROUPS = {
    "streets": "Calles y aceras",
    "sanitation": "Basura, reciclaje y limpieza",
    "housing": "Edificios y vivienda",
    "vehicles": "Vehículos y bicicletas abandonados",
    "parks": "Parques y árboles",
    "safety": "Seguridad pública",
    "water": "Agua, alcantarillado e hidrantes",
    "business": "Licencias y negocios",
    "health": "Salud y bienestar",
    "info": "Información y otras solicitudes",
}

DEPARTMENTS = {
    "streets": "Departamento de Calles",
    "sanitation": "División de Saneamiento",
    "li": "Licencias e Inspecciones (L&I)",
    "water": "Departamento de Agua",
    "parks": "Parques y Recreación",
    "police": "Departamento de Policía (no emergencias)",
    "fire": "Departamento de Bomberos",
    "health": "Departamento de Salud Pública",
    "clip": "Programa de Mejora de la Vida Comunitaria",
    "oit": "Oficina de Innovación y Tecnología",
    "philly311": "Centro de Atención Philly311",
}

DEPARTMENT_DESCRIPTIONS = {
    "streets": "Cuida las calles, las aceras, las luces de calles y callejones, los semáforos y las señales, y da los permisos para usar la vía pública.",
    "sanitation": "Recoge la basura y el reciclaje de los hogares, limpia los vertidos ilegales y los animales muertos, y hace cumplir las reglas de basura y contenedores.",
    "li": "Inspecciona edificios, obras, viviendas de alquiler y negocios, y hace cumplir los códigos de construcción, incendios, zonificación y licencias.",
    "water": "Opera los sistemas de agua, alcantarillado y aguas pluviales, incluidos los hidrantes, los sumideros y las tapas de alcantarilla.",
    "parks": "Cuida los parques, los parques infantiles, los centros recreativos y los árboles de las calles de la ciudad.",
    "police": "Atiende asuntos policiales que no son emergencias, como vehículos abandonados y quejas sobre la conducta policial. En una emergencia, llame al 911.",
    "fire": "Instala detectores de humo gratis, revisa peligros de incendio y atiende quejas sobre los servicios de bomberos y emergencias médicas.",
    "health": "Protege la salud de los residentes: control de plagas, emergencias por calor y ayuda a personas afectadas por el consumo de drogas.",
    "clip": "Quita grafitis y limpia y mantiene los lotes baldíos para que los vecindarios estén limpios y seguros.",
    "oit": "Dirige el trabajo de inclusión digital de la ciudad, con Navegadores Digitales que ayudan a los residentes a conectarse a internet.",
    "philly311": "Responde preguntas sobre los servicios de la ciudad, da teléfonos y direcciones, y pasa las solicitudes al departamento correcto.",
}

SERVICE_TYPES = {
    # ---------------------------------------------------------------- streets
    "pothole": {
        "name": "Bache o daño en la calle",
        "description": "Un bache, hundimiento, socavón o pavimento roto en una calle de la ciudad. Los problemas de la acera van en Acera peligrosa.",
        "keywords": ["bache", "hoyo", "hueco", "calle", "asfalto", "pavimento", "hundimiento", "socavón", "grieta", "daño", "carretera"],
        "questions": {
            "size": {
                "text": "¿Qué tan grande es?",
                "values": {
                    "small": "Más pequeño que un plato",
                    "medium": "Del tamaño de una llanta de carro, más o menos",
                    "large": "Más grande que una llanta de carro",
                    "cave_in": "La calle se hundió o se derrumbó",
                },
            },
            "position": {
                "text": "¿En qué parte de la calle está?",
                "values": {
                    "traffic_lane": "En un carril de tráfico",
                    "bike_lane": "En un carril para bicicletas",
                    "crosswalk": "En un cruce peatonal",
                    "kerb": "Junto al borde de la acera",
                },
            },
        },
    },
    "street-light": {
        "name": "Luz de calle apagada",
        "description": "Una luz de la calle que está apagada, parpadea, se queda encendida de día o está dañada. Para luces de callejones, use Luz de callejón apagada.",
        "keywords": ["luz", "farol", "lámpara", "alumbrado", "poste", "foco", "bombilla", "apagada", "oscuro", "parpadea"],
        "questions": {
            "pole_number": {
                "text": "Número del poste",
                "description": "Por lo general está en una placa pequeña de metal en el poste, a la altura de la cabeza.",
            },
            "problem": {
                "text": "¿Qué problema tiene la luz?",
                "values": {
                    "out": "La luz está apagada",
                    "flickering": "La luz parpadea o se prende y se apaga",
                    "day_burning": "La luz se queda encendida de día",
                    "damaged": "El poste o la lámpara está dañado",
                },
            },
        },
    },
    "alley-light": {
        "name": "Luz de callejón apagada",
        "description": "Una luz de la ciudad en un callejón público o entrada de autos que está apagada o dañada. Para luces de calles, use Luz de calle apagada.",
        "keywords": ["callejón", "luz", "farol", "lámpara", "foco", "oscuro", "apagada", "entrada de autos", "pasaje"],
        "questions": {},
    },
    "traffic-signal": {
        "name": "Emergencia de semáforo",
        "description": "Un semáforo o señal peatonal apagado, trabado, intermitente o derribado. Si hubo un choque o alguien está herido, llame al 911.",
        "keywords": ["semáforo", "señal", "luz roja", "intersección", "cruce", "señal peatonal", "intermitente", "apagado", "esquina"],
        "questions": {
            "problem": {
                "text": "¿Qué problema tiene el semáforo?",
                "values": {
                    "dark": "Todas las luces están apagadas",
                    "stuck": "Se quedó en un solo color",
                    "flashing": "Está intermitente",
                    "knocked_down": "Está derribado o apunta hacia el lado equivocado",
                    "pedestrian": "La señal o el botón peatonal no funciona",
                },
            },
            "direction": {
                "text": "¿Hacia qué dirección apunta el semáforo dañado?",
                "description": "Por ejemplo: hacia los conductores que van al norte por Broad Street.",
            },
        },
    },
    "stop-sign": {
        "name": "Reparación de señal de alto",
        "description": "Una señal de alto que falta, está derribada, volteada o es difícil de ver. Otras señales dañadas o que faltan van en Tráfico (otro).",
        "keywords": ["señal de alto", "alto", "pare", "letrero", "señal", "falta señal", "derribada", "intersección", "señal de tránsito"],
        "questions": {
            "problem": {
                "text": "¿Qué problema tiene la señal?",
                "values": {
                    "missing": "No está",
                    "knocked_down": "Está derribada",
                    "turned": "Está doblada o volteada hacia el lado equivocado",
                    "hidden": "Está borrosa, tapada o cubierta por ramas",
                },
            },
        },
    },
    "traffic-other": {
        "name": "Tráfico (otro)",
        "description": "Otros problemas o pedidos de tráfico: señales dañadas que no son de alto, tiempos de semáforo, exceso de velocidad o pedidos de señales nuevas.",
        "keywords": ["tráfico", "tránsito", "señal", "letrero", "velocidad", "reductor de velocidad", "tope", "semáforo", "cruce peatonal", "estacionamiento"],
        "questions": {},
    },
    "line-striping": {
        "name": "Pintura de líneas en la calle",
        "description": "Marcas en la calle borrosas o que faltan, como líneas de carril, cruces peatonales, líneas de alto y carriles para bicicletas.",
        "keywords": ["líneas", "pintura", "marcas", "cruce peatonal", "carril", "carril de bicicletas", "borrosas", "rayas", "línea de alto"],
        "questions": {},
    },
    "street-paving": {
        "name": "Pavimentación de calles",
        "description": "Pida que se considere repavimentar una cuadra muy desgastada. Los baches sueltos se reportan en Bache o daño en la calle.",
        "keywords": ["pavimentación", "pavimentar", "repavimentar", "asfaltar", "calle", "asfalto", "desgastada", "desniveles", "cuadra"],
        "questions": {},
    },
    "dangerous-sidewalk": {
        "name": "Acera peligrosa",
        "description": "Una acera rota, levantada o hundida que podría hacer que alguien se tropiece o se caiga. Las raíces que levantan la acera van en Árboles de la calle.",
        "keywords": ["acera", "banqueta", "vereda", "tropezar", "grieta", "rota", "desnivel", "bordillo", "cuneta"],
        "questions": {},
    },
    "salting": {
        "name": "Sal para calles con hielo",
        "description": "Una calle, puente o cuesta de la ciudad con hielo que necesita sal o quitanieves. Las aceras le tocan al dueño de la propiedad: use Acera sin palear.",
        "keywords": ["sal", "hielo", "congelada", "nieve", "quitanieves", "resbaloso", "resbaladizo", "invierno", "calle con hielo"],
        "questions": {},
    },
    "shoveling": {
        "name": "Acera sin palear",
        "description": "El dueño de una propiedad no ha quitado la nieve o el hielo de su acera después de una tormenta. Las calles con hielo van en Sal para calles con hielo.",
        "keywords": ["nieve", "palear", "pala", "hielo", "acera", "banqueta", "sin limpiar", "bloqueada"],
        "questions": {},
    },
    "right-of-way": {
        "name": "Unidad de Derecho de Vía",
        "description": "Una acera o carril bloqueado por obras, andamios, contenedores o materiales, quizás sin permiso.",
        "keywords": ["bloqueada", "acera", "cierre", "permiso", "andamio", "construcción", "obras", "obstrucción", "carril cerrado"],
        "questions": {},
    },
    "manhole-cover": {
        "name": "Tapa de alcantarilla",
        "description": "Una tapa de alcantarilla que falta o está rota, suelta o hundida. Si falta la tapa y alguien podría caerse, llame también al 911.",
        "keywords": ["alcantarilla", "tapa", "registro", "drenaje", "cloaca", "falta", "suelta", "hoyo", "rejilla"],
        "questions": {},
    },
    "other-streets": {
        "name": "Otro (calles)",
        "description": "Un problema de calle o acera que no aparece en otra categoría, como una baranda de protección, un poste de contención o un banco dañado.",
        "keywords": ["calle", "carretera", "otro", "baranda", "barrera", "poste", "banco", "banca"],
        "questions": {},
    },
    # ------------------------------------------------------------- sanitation
    "rubbish-collection": {
        "name": "Recolección de basura o reciclaje",
        "description": "No recogieron su basura o reciclaje el día de recolección. Sáquelo antes de las 7 a. m. y espere hasta el final del día antes de reportarlo.",
        "keywords": ["basura", "reciclaje", "recolección", "no recogieron", "recogida", "bote", "bote de basura", "zafacón", "desechos"],
        "questions": {
            "missed": {
                "text": "¿Qué no recogieron?",
                "values": {
                    "trash": "Basura",
                    "recycling": "Reciclaje",
                    "yard_waste": "Hojas o desechos del jardín",
                    "bulk": "Objeto grande (mueble, electrodoméstico)",
                },
            },
            "due_date": {
                "text": "¿Cuándo debían haberlo recogido?",
            },
        },
    },
    "illegal-dumping": {
        "name": "Vertido ilegal de basura",
        "description": "Basura, muebles, llantas o escombros tirados en una calle, acera o terreno público. Lo tirado en un lote baldío va en Limpieza de lote baldío.",
        "keywords": ["vertido ilegal", "tiradero", "basura tirada", "basura", "escombros", "llantas", "neumáticos", "colchón", "muebles", "chatarra"],
        "questions": {
            "dumped_items": {
                "text": "¿Qué tiraron?",
                "values": {
                    "household": "Bolsas de basura de la casa",
                    "furniture": "Muebles o colchones",
                    "tyres": "Llantas",
                    "construction": "Escombros de construcción",
                    "appliances": "Electrodomésticos",
                    "hazardous": "Pintura, aceite o productos químicos",
                    "other": "Otra cosa",
                },
            },
            "amount": {
                "text": "¿Cuánto hay?",
                "values": {
                    "few_bags": "Algunas bolsas u objetos",
                    "car_load": "Lo que cabe en un carro, más o menos",
                    "truck_load": "Lo que cabe en un camión o más",
                },
            },
            "vehicle_plate": {
                "text": "Placa del vehículo que usaron, si la vio",
            },
        },
    },
    "sanitation-violation": {
        "name": "Infracción de normas de basura",
        "description": "Basura o reciclaje sacado el día equivocado, dejado sin tapa o amontonado fuera de una casa o negocio.",
        "keywords": ["basura", "día equivocado", "bolsas", "saneamiento", "desperdicios", "tapa", "desbordada", "infracción", "amontonada"],
        "questions": {},
    },
    "dumpster-violation": {
        "name": "Infracción de contenedor de basura",
        "description": "Un contenedor de basura que está desbordado, abierto, goteando o colocado en la calle o acera sin permiso.",
        "keywords": ["contenedor", "contenedor de basura", "dumpster", "basurero", "desbordado", "basura", "mal olor", "goteando"],
        "questions": {
            "problems": {
                "text": "¿Cuál es el problema?",
                "values": {
                    "overflowing": "Está desbordado",
                    "open": "La tapa quedó abierta",
                    "leaking": "Está goteando",
                    "placement": "Está en la calle o en la acera",
                    "pests": "Atrae ratas o insectos",
                },
            },
            "business_name": {
                "text": "Nombre del negocio, si lo sabe",
            },
        },
    },
    "sanitation-dumpster-violation": {
        "name": "Infracción de basura o contenedor (negocio)",
        "description": "Problemas continuos de basura en un negocio o edificio de apartamentos, como no tener servicio privado de recolección. Para casos aislados, use Infracción de normas de basura o de contenedor.",
        "keywords": ["negocio", "comercial", "basura", "contenedor", "recolector privado", "restaurante", "apartamentos", "edificio"],
        "questions": {},
    },
    "dead-animal": {
        "name": "Animal muerto en la calle",
        "description": "Un animal muerto en una calle, acera o callejón. Si un animal vivo está herido o es peligroso, comuníquese con control de animales.",
        "keywords": ["animal muerto", "cadáver", "atropellado", "gato", "perro", "rata", "pájaro", "venado", "mapache"],
        "questions": {},
    },
    "graffiti": {
        "name": "Eliminación de grafiti",
        "description": "Grafiti en un edificio, pared, cerca o mobiliario urbano que se vea desde la calle. Quitarlo es gratis para los dueños de propiedades.",
        "keywords": ["grafiti", "graffiti", "pintas", "rayones", "pintura en aerosol", "vandalismo", "pintura", "pared", "mural"],
        "questions": {
            "surface": {
                "text": "¿Sobre qué está el grafiti?",
                "values": {
                    "brick_stone": "Ladrillo o piedra",
                    "painted_wall": "Pared pintada",
                    "wood": "Madera",
                    "metal": "Metal (puerta, cortina, poste, caja)",
                    "glass": "Vidrio",
                    "other": "Otra cosa",
                },
            },
            "offensive": {
                "text": "¿Es ofensivo o de odio?",
                "values": {
                    "yes": "Sí",
                    "no": "No",
                },
            },
        },
    },
    "vacant-lot": {
        "name": "Limpieza de lote baldío",
        "description": "Un lote baldío con hierba alta, basura u objetos tirados. Los problemas de un edificio vacío van en Casa o local comercial desocupado.",
        "keywords": ["lote baldío", "terreno baldío", "solar", "lote vacío", "maleza", "hierba alta", "basura", "escombros", "zacate"],
        "questions": {
            "conditions": {
                "text": "¿Qué hay en el lote?",
                "values": {
                    "weeds": "Hierba o maleza alta",
                    "trash": "Basura y desperdicios",
                    "dumped": "Muebles, llantas o escombros tirados",
                    "fence": "Cerca rota",
                },
            },
        },
    },
    # ---------------------------------------------------------------- housing
    "property-maintenance": {
        "name": "Mantenimiento residencial o comercial",
        "description": "El exterior de una casa o negocio está descuidado: hierba alta, basura en el patio, ventanas rotas, canaletas sueltas o techo dañado.",
        "keywords": ["mantenimiento", "propiedad", "maleza", "patio", "ventana rota", "canaleta", "techo", "exterior", "descuidada"],
        "questions": {},
    },
    "maintenance-complaint": {
        "name": "Queja de mantenimiento (vivienda alquilada)",
        "description": "Reparaciones dentro de una vivienda alquilada que el dueño no ha hecho, como goteras, moho, plomería o cables peligrosos. La falta de calefacción tiene su propia categoría.",
        "keywords": ["casero", "dueño", "arrendador", "alquiler", "renta", "inquilino", "reparación", "gotera", "moho", "plomería", "apartamento"],
        "questions": {
            "unit": {
                "text": "Número de unidad o apartamento",
            },
            "landlord_told": {
                "text": "¿Le ha avisado al dueño sobre el problema?",
                "values": {
                    "yes": "Sí",
                    "no": "No",
                },
            },
            "details": {
                "text": "Describa el problema",
                "description": "Qué cuartos están afectados y desde cuándo pasa.",
            },
        },
    },
    "no-heat": {
        "name": "Sin calefacción (residencial)",
        "description": "Una vivienda alquilada sin suficiente calefacción en la temporada de frío. Si huele a gas o suena la alarma de monóxido de carbono, salga y llame al 911.",
        "keywords": ["calefacción", "sin calefacción", "calor", "frío", "caldera", "calentador", "radiador", "casero", "apartamento"],
        "questions": {
            "unit": {
                "text": "Número de unidad o apartamento",
                "description": "Escriba 'toda la casa' si es una casa para una sola familia.",
            },
            "occupants": {
                "text": "¿Cuántas personas viven allí?",
            },
            "vulnerable": {
                "text": "¿Alguna de las personas que viven allí es de estos grupos?",
                "values": {
                    "children_under_5": "Niños menores de 5 años",
                    "over_65": "Personas mayores de 65 años",
                    "medical": "Alguien con una condición médica",
                },
            },
            "heat_stopped": {
                "text": "¿Cuándo dejó de funcionar la calefacción?",
            },
        },
    },
    "vacant-building": {
        "name": "Casa o local comercial desocupado",
        "description": "Una casa o edificio comercial vacío que está abierto a intrusos o mal asegurado. Los lotes vacíos van en Limpieza de lote baldío.",
        "keywords": ["desocupada", "abandonada", "casa vacía", "edificio", "tapiada", "abierta", "intrusos", "invasores", "deterioro"],
        "questions": {
            "open_to_entry": {
                "text": "¿Puede entrar la gente por una puerta o ventana abierta?",
                "values": {
                    "yes": "Sí",
                    "no": "No",
                    "not_sure": "No estoy seguro",
                },
            },
            "building_type": {
                "text": "¿Qué tipo de edificio es?",
                "values": {
                    "house": "Casa",
                    "commercial": "Tienda, oficina o fábrica",
                },
            },
        },
    },
    "building-dangerous": {
        "name": "Edificio peligroso",
        "description": "Un edificio que parece que se puede derrumbar: paredes inclinadas o abultadas, ladrillos que caen o techo caído. Si alguien está herido o atrapado, llame al 911.",
        "keywords": ["derrumbe", "peligroso", "inseguro", "ladrillos cayendo", "pared inclinada", "edificio", "fachada", "colapso"],
        "questions": {
            "signs": {
                "text": "¿Qué ve?",
                "values": {
                    "leaning": "Pared inclinada o abultada",
                    "falling": "Se caen ladrillos o pedazos",
                    "collapsed": "Parte del edificio se derrumbó",
                    "fire_damage": "Daños por incendio",
                },
            },
            "near_public_way": {
                "text": "¿Podría caer sobre una acera, calle o casa vecina?",
                "values": {
                    "yes": "Sí",
                    "no": "No",
                    "not_sure": "No estoy seguro",
                },
            },
        },
    },
    "dangerous-building-complaint": {
        "name": "Queja por edificio peligroso",
        "description": "Condiciones inseguras en un edificio que no corre riesgo inmediato de derrumbe, como escaleras rotas, barandas que faltan o grietas grandes.",
        "keywords": ["inseguro", "peligroso", "edificio", "escaleras", "baranda", "barandal", "grietas", "porche", "balcón", "estructura"],
        "questions": {
            "details": {
                "text": "Describa lo que es inseguro",
                "description": "Diga en qué parte del edificio está el problema y qué tan grande es.",
            },
        },
    },
    "building-clean-seal": {
        "name": "Intervención en edificio (limpiar y sellar)",
        "description": "Pida que cuadrillas de la ciudad limpien y tapien un edificio vacío que el dueño no aseguró. Para reportar el edificio primero, use Casa o local comercial desocupado.",
        "keywords": ["sellar", "tapiar", "limpiar", "desocupado", "abandonado", "edificio", "asegurar", "contratista"],
        "questions": {},
    },
    "building-construction": {
        "name": "Obras de construcción",
        "description": "Obras en una casa o negocio que parecen no tener permiso o no cumplen con su permiso.",
        "keywords": ["construcción", "permiso", "remodelación", "obras", "contratista", "ampliación", "demolición", "sin permiso"],
        "questions": {},
    },
    "construction-site": {
        "name": "Equipo especial de sitios de construcción",
        "description": "Obras inseguras o molestas: escombros que caen, cercas deficientes, trabajo fuera del horario permitido o daños a casas vecinas.",
        "keywords": ["construcción", "obra", "escombros", "ruido", "fuera de horario", "cerca", "inseguro", "grúa", "excavación"],
        "questions": {
            "problems": {
                "text": "¿Qué está pasando?",
                "values": {
                    "after_hours": "Trabajan fuera del horario permitido",
                    "debris": "Caen o vuelan escombros de la obra",
                    "fencing": "Falta la cerca o no es segura",
                    "neighbour_damage": "Daños a una propiedad vecina",
                    "other": "Otra cosa",
                },
            },
            "observed_at": {
                "text": "¿Cuándo lo vio?",
            },
        },
    },
    "fire-code-building": {
        "name": "Código de incendios residencial o comercial",
        "description": "Problemas del código de incendios en un edificio: salidas bloqueadas o cerradas con llave, escaleras de incendio que faltan, o alarmas y rociadores que no funcionan.",
        "keywords": ["código de incendios", "escalera de incendios", "salida", "salida bloqueada", "alarma de incendio", "rociadores", "edificio", "seguridad contra incendios"],
        "questions": {},
    },
    "infestation": {
        "name": "Plagas en la vivienda",
        "description": "Ratas, ratones, cucarachas, chinches u otras plagas dentro o alrededor de una vivienda.",
        "keywords": ["ratas", "ratones", "roedores", "cucarachas", "chinches", "plagas", "infestación", "bichos", "fumigación", "exterminador"],
        "questions": {
            "pests": {
                "text": "¿Qué plagas ha visto?",
                "values": {
                    "rats": "Ratas",
                    "mice": "Ratones",
                    "cockroaches": "Cucarachas",
                    "bed_bugs": "Chinches",
                    "other": "Otra",
                },
            },
            "where": {
                "text": "¿Dónde están?",
                "values": {
                    "inside": "Dentro de mi casa",
                    "common_area": "Áreas comunes del edificio",
                    "outside": "Patio, callejón o calle",
                },
            },
        },
    },
    "boarding-house": {
        "name": "Casa de huéspedes o de cuartos",
        "description": "Una casa donde se alquilan cuartos a muchas personas sin relación entre sí, quizás sin licencia de casa de huéspedes o en condiciones inseguras.",
        "keywords": ["casa de huéspedes", "casa de cuartos", "cuartos", "habitaciones", "hacinamiento", "inquilinos", "licencia", "alquiler"],
        "questions": {},
    },
    "rental-licence": {
        "name": "Licencia residencial (alquiler)",
        "description": "Un dueño que alquila una vivienda sin licencia de alquiler. Las reparaciones dentro de una vivienda alquilada van en Queja de mantenimiento.",
        "keywords": ["licencia de alquiler", "licencia", "casero", "dueño", "alquiler", "renta", "inquilino", "sin licencia", "contrato"],
        "questions": {},
    },
    "zoning-residential": {
        "name": "Zonificación residencial",
        "description": "Una casa que se usa de una forma que su zonificación no permite, como dividirla ilegalmente en más apartamentos.",
        "keywords": ["zonificación", "conversión", "apartamentos", "unidades ilegales", "uso de suelo", "residencial", "dúplex"],
        "questions": {},
    },
    # --------------------------------------------------------------- vehicles
    "abandoned-vehicle": {
        "name": "Vehículo abandonado",
        "description": "Un carro u otro vehículo que lleva mucho tiempo en una calle pública, a menudo dañado o sin placas. Las entradas bloqueadas se reportan a la línea de la policía.",
        "keywords": ["carro", "auto", "coche", "vehículo", "abandonado", "camioneta", "camión", "chatarra", "sin placas", "estacionado"],
        "questions": {
            "make": {
                "text": "Marca",
                "description": "Por ejemplo: Ford, Honda, Toyota.",
            },
            "colour": {
                "text": "Color",
            },
            "plate": {
                "text": "Placa",
                "description": "Déjelo en blanco si no tiene placa.",
            },
            "how_long": {
                "text": "¿Cuánto tiempo lleva allí?",
                "values": {
                    "under_week": "Menos de una semana",
                    "one_to_four_weeks": "De 1 a 4 semanas",
                    "over_month": "Más de un mes",
                    "not_sure": "No estoy seguro",
                },
            },
        },
    },
    "abandoned-bike": {
        "name": "Bicicleta abandonada",
        "description": "Una bicicleta que lleva mucho tiempo encadenada a un estacionamiento de bicicletas, poste o baranda, y está desmantelada o rota.",
        "keywords": ["bicicleta", "bici", "abandonada", "estacionamiento de bicicletas", "encadenada", "desmantelada", "rota"],
        "questions": {},
    },
    # ------------------------------------------------------------------ parks
    "street-trees": {
        "name": "Árboles de la calle",
        "description": "Cuidado de los árboles de las calles: podar, quitar árboles muertos o tocones, raíces que levantan la acera, o pedir un árbol nuevo.",
        "keywords": ["árbol", "rama", "podar", "poda", "tocón", "raíces", "plantar", "árbol muerto", "hojas"],
        "questions": {
            "request": {
                "text": "¿Qué necesita?",
                "values": {
                    "prune": "Podar o recortar",
                    "dead_tree": "Quitar un árbol muerto",
                    "stump": "Quitar un tocón",
                    "roots": "Raíces que levantan la acera",
                    "new_tree": "Plantar un árbol nuevo",
                },
            },
        },
    },
    "tree-dangerous": {
        "name": "Árbol peligroso",
        "description": "Un árbol caído, una rama colgando o un árbol inclinado que podría lastimar a alguien. Si un árbol toca cables eléctricos, aléjese y llame a la compañía de luz.",
        "keywords": ["árbol", "caído", "rama", "inclinado", "tormenta", "bloqueando", "peligroso", "cables"],
        "questions": {
            "problem": {
                "text": "¿Cuál es el problema?",
                "values": {
                    "fallen": "El árbol se cayó",
                    "hanging_limb": "Una rama está rota y colgando",
                    "leaning": "El árbol está inclinado o agrietado",
                    "wires": "Toca cables",
                },
            },
            "blocking": {
                "text": "¿Está bloqueando la calle o la acera?",
                "values": {
                    "yes": "Sí",
                    "no": "No",
                },
            },
        },
    },
    "parks-maintenance": {
        "name": "Seguridad y mantenimiento de parques",
        "description": "Problemas en un parque, área de juegos o centro recreativo: juegos rotos, basura, luces, baños, o canchas y campos.",
        "keywords": ["parque", "área de juegos", "juegos infantiles", "centro recreativo", "columpios", "cancha", "campo", "baños", "banco"],
        "questions": {
            "facility": {
                "text": "Nombre del parque o centro recreativo",
            },
            "problem": {
                "text": "¿Cuál es el problema?",
                "values": {
                    "play_equipment": "Juegos infantiles rotos",
                    "trash": "Basura o botes desbordados",
                    "lighting": "Luces apagadas",
                    "restroom": "Problema con los baños",
                    "field_court": "Campo o cancha dañada",
                    "other": "Otra cosa",
                },
            },
        },
    },
    # ----------------------------------------------------------------- safety
    "smoke-detector": {
        "name": "Detector de humo",
        "description": "Pida al Departamento de Bomberos que instale alarmas de humo gratis en su casa. Si huele humo o ve fuego, llame al 911.",
        "keywords": ["alarma de humo", "detector de humo", "alarma de incendio", "gratis", "instalar", "batería", "pila", "seguridad contra incendios"],
        "questions": {
            "floors": {
                "text": "¿Cuántos pisos tiene su casa?",
                "description": "Cuente el sótano si alguien duerme allí.",
            },
            "tenure": {
                "text": "¿Su casa es propia o alquilada?",
                "values": {
                    "own": "Propia",
                    "rent": "Alquilada",
                },
            },
            "hearing": {
                "text": "¿Alguien en la casa tiene problemas para oír?",
                "description": "Hay alarmas especiales con luces o vibración.",
                "values": {
                    "yes": "Sí",
                    "no": "No",
                },
            },
        },
    },
    "fire-safety-complaint": {
        "name": "Queja de seguridad contra incendios",
        "description": "Peligros de incendio, como quemas al aire libre, combustible o fuegos artificiales guardados, lugares con exceso de gente, o hidrantes y carriles de bomberos bloqueados.",
        "keywords": ["peligro de incendio", "quema", "fuegos artificiales", "cohetes", "combustible", "exceso de gente", "carril de bomberos", "hidrante bloqueado"],
        "questions": {},
    },
    "other-dangerous": {
        "name": "Otro peligro",
        "description": "Una condición peligrosa que no aparece en otra categoría, como una excavación abierta o una piscina sin protección. Las emergencias van al 911.",
        "keywords": ["peligroso", "peligro", "inseguro", "otro", "hoyo abierto", "piscina", "alberca", "excavación", "riesgo"],
        "questions": {
            "details": {
                "text": "Describa el peligro",
            },
        },
    },
    "police-complaint": {
        "name": "Queja contra la policía",
        "description": "Una queja sobre cómo un policía lo trató a usted o a otra persona. Para reportar un delito, llame al 911 o a la línea de la policía para casos que no son emergencias.",
        "keywords": ["policía", "agente", "oficial", "queja", "mala conducta", "conducta", "abuso", "grosero", "placa"],
        "questions": {
            "incident_at": {
                "text": "¿Cuándo pasó?",
            },
            "badge": {
                "text": "Nombre o número de placa del policía, si lo sabe",
            },
            "details": {
                "text": "¿Qué pasó?",
            },
        },
    },
    "fire-ems-complaint": {
        "name": "Quejas contra Bomberos o ambulancias (EMS)",
        "description": "Una queja sobre el Departamento de Bomberos o el personal de una ambulancia, como una respuesta lenta o la conducta del personal.",
        "keywords": ["bomberos", "ems", "ambulancia", "paramédico", "bombero", "queja", "tiempo de respuesta", "emergencia"],
        "questions": {
            "incident_at": {
                "text": "¿Cuándo pasó?",
            },
            "details": {
                "text": "¿Qué pasó?",
            },
        },
    },
    # ------------------------------------------------------------------ water
    "inlet-cleaning": {
        "name": "Limpieza de desagüe pluvial",
        "description": "Un desagüe pluvial junto a la acera que está tapado y causa inundaciones o malos olores. Las tapas de alcantarilla que faltan van en Tapa de alcantarilla.",
        "keywords": ["desagüe", "desagüe pluvial", "drenaje", "coladera", "tapado", "inundación", "alcantarilla", "rejilla", "charco", "cuneta"],
        "questions": {},
    },
    "hydrant-request": {
        "name": "Solicitud sobre hidrante",
        "description": "Un hidrante que gotea, quedó abierto o está dañado, o una solicitud de tapa rociadora de verano para una cuadra.",
        "keywords": ["hidrante", "boca de incendio", "gotea", "hidrante abierto", "tapa rociadora", "rociador", "agua", "toma de agua"],
        "questions": {
            "request": {
                "text": "¿Qué se necesita?",
                "values": {
                    "leaking": "Gotea o sale agua",
                    "opened": "Lo abrieron sin permiso",
                    "damaged": "Está dañado o le falta la tapa",
                    "spray_cap": "Solicitud de tapa rociadora de verano",
                },
            },
        },
    },
    "hydrant-knocked-down": {
        "name": "Hidrante derribado (sin agua)",
        "description": "Un hidrante que fue derribado o arrancado pero no está echando agua. Si sale mucha agua, use Solicitud sobre hidrante.",
        "keywords": ["hidrante", "derribado", "tumbado", "roto", "choque", "boca de incendio"],
        "questions": {},
    },
    # --------------------------------------------------------------- business
    "licence-complaint": {
        "name": "Queja sobre licencias",
        "description": "Un negocio o contratista que trabaja sin la licencia necesaria o que no cumple con las reglas de su licencia.",
        "keywords": ["licencia", "negocio", "contratista", "sin licencia", "vendedor", "vendedor ambulante", "tienda", "permiso"],
        "questions": {},
    },
    "zoning-business": {
        "name": "Zonificación de negocios",
        "description": "Un negocio que funciona donde la zonificación no lo permite, o que usa su propiedad de formas que su permiso de zonificación no cubre.",
        "keywords": ["zonificación", "negocio", "uso de suelo", "comercial", "uso ilegal", "taller mecánico", "tienda"],
        "questions": {},
    },
    "daycare": {
        "name": "Guardería residencial o comercial",
        "description": "Una guardería en una casa o en un centro que quizás no tiene licencia, tiene demasiados niños o no es segura. Si un niño está en peligro, llame al 911.",
        "keywords": ["guardería", "cuidado infantil", "cuidado de niños", "niños", "niñera", "kínder", "sin licencia"],
        "questions": {},
    },
    "newsstand-cafe": {
        "name": "Puesto de periódicos / café al aire libre",
        "description": "Un puesto de periódicos o café en la acera que bloquea el paso, no tiene permiso o deja basura.",
        "keywords": ["puesto de periódicos", "kiosco", "quiosco", "café", "cafetería", "comer afuera", "mesas", "sillas", "bloqueando", "acera"],
        "questions": {},
    },
    # ----------------------------------------------------------------- health
    "emergency-ac": {
        "name": "Aire acondicionado de emergencia",
        "description": "Durante emergencias por calor, las personas mayores con problemas de salud pueden pedir un aire acondicionado. Si alguien se enferma por el calor, llame al 911.",
        "keywords": ["aire acondicionado", "aire", "calor", "ola de calor", "caluroso", "persona mayor", "anciano", "refrescar", "ventilador"],
        "questions": {
            "age": {
                "text": "Edad de la persona que lo necesita",
            },
            "conditions": {
                "text": "¿La persona tiene alguna de estas condiciones?",
                "values": {
                    "heart": "Enfermedad del corazón",
                    "breathing": "Problemas para respirar",
                    "diabetes": "Diabetes",
                    "mobility": "No puede salir de la casa con facilidad",
                    "other": "Otro problema de salud",
                },
            },
        },
    },
    "opioid-response": {
        "name": "Unidad de Respuesta a Opioides",
        "description": "Agujas tiradas, o una persona que quizás necesita apoyo por adicción o ayuda de extensión comunitaria. Para una sobredosis o emergencia, llame al 911.",
        "keywords": ["agujas", "jeringas", "jeringuillas", "opioides", "drogas", "sobredosis", "adicción", "ayuda", "campamento"],
        "questions": {
            "concern": {
                "text": "¿Qué necesita atención?",
                "values": {
                    "needles": "Agujas o jeringas tiradas",
                    "person": "Alguien que quizás necesita ayuda",
                    "public_use": "Uso de drogas en un lugar público",
                },
            },
        },
    },
    # ------------------------------------------------------------------- info
    "information-request": {
        "name": "Solicitud de información",
        "description": "Haga una pregunta sobre servicios, reglas, eventos o programas de la ciudad. Para reportar un problema, elija la categoría que corresponda.",
        "keywords": ["pregunta", "información", "info", "preguntar", "ayuda", "cómo", "servicios de la ciudad", "horario"],
        "questions": {},
    },
    "directory-assistance": {
        "name": "Asistencia de directorio",
        "description": "Encuentre el número de teléfono, la dirección o el horario de una oficina o servicio de la ciudad.",
        "keywords": ["número de teléfono", "teléfono", "dirección", "contacto", "directorio", "oficina", "horario", "departamento"],
        "questions": {},
    },
    "digital-navigator": {
        "name": "Solicitud de Navegador Digital",
        "description": "Reciba ayuda personal y gratis para tener internet en casa, conseguir una computadora o aprender a usar servicios en línea.",
        "keywords": ["internet", "wifi", "computadora", "laptop", "en línea", "digital", "correo electrónico", "banda ancha", "ayuda"],
        "questions": {
            "help_with": {
                "text": "¿Con qué le gustaría recibir ayuda?",
                "values": {
                    "internet": "Tener internet en casa",
                    "device": "Conseguir una computadora o tableta",
                    "skills": "Aprender a usar una computadora o un teléfono",
                    "online_services": "Solicitar servicios en línea",
                },
            },
            "language": {
                "text": "Idioma en el que prefiere recibir la ayuda",
            },
        },
    },
    "streets-complaint": {
        "name": "Queja (Calles)",
        "description": "Una queja sobre el servicio o el personal del Departamento de Calles, como la conducta de una cuadrilla o daños durante un trabajo.",
        "keywords": ["queja", "departamento de calles", "cuadrilla", "personal", "camión de basura", "servicio", "daños"],
        "questions": {},
    },
    "li-escalation": {
        "name": "Escalamiento a L&I",
        "description": "Pida que se revise una solicitud abierta de Licencias e Inspecciones porque está atrasada o se cerró sin arreglar el problema.",
        "keywords": ["escalar", "escalamiento", "seguimiento", "atrasada", "reabrir", "l&i", "inspección", "cerrada"],
        "questions": {
            "original_request": {
                "text": "Número de la solicitud original",
            },
            "reason": {
                "text": "¿Por qué se debe revisar?",
            },
        },
    },
    "kb-escalation": {
        "name": "Escalamiento de información",
        "description": "Una pregunta que el centro de atención no pudo contestar de inmediato y que se pasa al departamento que sabe la respuesta.",
        "keywords": ["escalar", "escalamiento", "pregunta", "seguimiento", "sin respuesta", "información"],
        "questions": {},
    },
    "miscellaneous": {
        "name": "Otros asuntos",
        "description": "Cualquier cosa que no encaje en otra categoría. El personal la pasará al departamento que corresponda.",
        "keywords": ["otro", "otros", "varios", "general", "otra cosa", "no aparece"],
        "questions": {},
    },
}
