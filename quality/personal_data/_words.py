"""Word lists used by the name detectors (all folded: lower case, no accents, ñ -> n)."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Joining words inside a name ("María de los Ángeles"); never a name on their own.
PARTICLES = _words("de del la las los y e da das do dos di van von der mac mc")

# Name parts that are also everyday Spanish words, months, legal terms or Chilean
# place names: a requester's name part in this list is removed only as part of a
# sequence of two or more name parts, never alone.
COMMON_WORDS = _words(
    """
    rosa paz luz cruz flor flora sol mar angel angeles jesus santiago victoria concepcion
    mercedes dolores pilar rosario amparo consuelo esperanza soledad gracia gloria carmen
    fe trinidad asuncion remedios blanca clara alegria belen natividad milagros estrella
    cielo socorro piedad caridad justo clemente constante salvador domingo abril mayo
    julio agosto marzo junio paloma perla esmeralda marina celeste aurora alba iris
    margarita violeta reina serena navidad providencia libertad lucas luca san santa
    santo santos
    flores torres rios rio vega campos campo reyes ramos prado fuentes fuente mesa
    castillo cortes caro blanco franco salas sala lagos lago montes monte valle sierra
    luna rojas palma arenas pena mora villa pino nieves mercado paredes barra parada
    morales rosas salinas canales carrera plaza iglesias puente puerto casas muro corral
    oro plata vina segura bueno salvo claro vial pozo cuesta costa arroyo barrios castro
    granja colina espejo vicuna coronel lautaro quintero cartagena salamanca ovalle
    canela linares valdivia montt prat o'higgins portales bulnes balmaceda allende frei
    alessandri errazuriz mas sola solo largo larga alto central normal independencia
    recoleta florida cisterna bosque union constitucion andes calera estacion ciudad
    marcos tomas real
    """
)

# A single name part right after one of these is a place or institution
# ("San José", "Liceo Pérez", "Villa Soto"), not the requester.
PLACE_WORDS = _words(
    """
    san santa santo sta sto villa calle avenida av avda pasaje pje psje plaza parque liceo
    escuela colegio instituto universidad hospital cesfam cecosf sapu consultorio
    poblacion puente puerto cerro estadio club jardin parroquia iglesia capilla sector
    fundo hacienda canal rio lago isla virgen padre fray monsenor cardenal general gral
    capitan coronel teniente sargento presidente almirante comandante obispo beato
    programa fondo premio beca centro biblioteca teatro museo salon sala gimnasio complejo
    cancha condominio edificio monumento busto estatua fundacion corporacion hogar sede
    papa
    """
)

# Words after an honorific that are roles or institutions, not a name
# ("Sr. Alcalde", "Sra. Directora de Obras", "Sr. Pérez, Decreto ..."); a capitalised
# run stops at them.
ROLE_WORDS = _words(
    """
    alcalde alcaldesa concejal concejala concejales director directora directores jefe jefa
    jefatura secretario secretaria administrador administradora municipal municipales
    municipalidad municipio encargado encargada presidente presidenta vicepresidente
    vicepresidenta ministro ministra gobernador gobernadora delegado delegada juez jueza
    fiscal intendente intendenta subrogante publico publica doctor doctora dr dra profesor
    profesora inspector inspectora diputado diputada senador senadora seremi asesor asesora
    abogado abogada coordinador coordinadora tesorero tesorera contralor contralora oficial
    funcionario funcionaria funcionarios don dona sr sra srta senor senora senorita
    departamento direccion oficina unidad ilustre corporacion gobierno region comuna
    servicio ministerio consejo transparencia el la los las un una usted ustedes que quien
    cual este esta ese esa de del y o a en por para con mi su nuestro vecino vecina vecinos
    vecinas ciudadano ciudadana ciudadanos solicitante requirente interesado interesada
    persona personas estudiante periodista cordiales gracias cordialmente atentamente
    saludos se le les lo solicito solicita junta
    decreto ley resolucion oficio ordinario memo memorandum contrato licitacion folio
    expediente articulo reglamento ordenanza programa proyecto plan presupuesto
    """
)

# A requester name with one of these is an organisation: only sequences of two or
# more of its words are removed, never a single word.
ORG_MARKERS = _words(
    """
    fundacion corporacion ong sa spa ltda limitada eirl cia universidad municipalidad
    asociacion junta sindicato colegio club comite cooperativa consultora consultores
    empresa empresas sociedad centro instituto agrupacion federacion confederacion
    observatorio red
    """
)

# Frequent Chilean given names: a capitalised one followed by another capitalised
# word is taken for a person's name (capitals make "Tomás Silva" a name where
# "tomás" alone would be a verb).
GIVEN_NAMES = _words(
    """
    maria ana carolina francisca javiera catalina valentina constanza camila daniela
    fernanda isidora antonia josefa martina sofia florencia agustina emilia paula andrea
    claudia patricia veronica marcela alejandra carla karina katherine lorena monica
    paola sandra silvia ximena jimena macarena natalia pamela roxana susana teresa
    valeria viviana yasna yolanda elizabeth gabriela juana luisa marta nelly olga raquel
    rocio ruth sara sonia tamara vanessa barbara beatriz cecilia cristina denisse eliana
    elena eugenia fabiola gladys graciela ines irma ivonne jacqueline jessica johanna
    juliana laura leticia lidia lilian lucia maite magdalena maribel miriam nancy nicole
    norma pia priscila rebeca scarlett solange stephanie tania angela adriana alicia
    amanda juan jose luis carlos jorge pedro francisco manuel miguel sergio ricardo
    patricio rodrigo cristian christian claudio fernando eduardo alejandro andres felipe
    pablo diego sebastian matias nicolas benjamin vicente martin joaquin agustin ignacio
    gonzalo mauricio marcelo hector hugo raul roberto oscar victor mario jaime javier
    daniel david gabriel rafael ramon rene alvaro alberto antonio arturo camilo cesar
    enrique esteban fabian gustavo hernan ivan leonardo lorenzo marco maximiliano nelson
    osvaldo rolando samuel simon waldo boris bastian cristobal emilio ernesto gaspar
    gerardo guillermo humberto ismael jonathan luciano mateo raimundo renato rodolfo
    ruben ulises williams alonso gregorio tomas marcos angel jesus rosa carmen pilar
    soledad gloria mercedes dolores rosario consuelo lucas
    """
)

# Words that make a capitalised phrase an institution, a place, a programme or a
# document rather than a person, wherever they stand in it ("State of Delaware",
# "Coventry Health Care", "Washington Street Bridge", "Escuela Gabriela Mistral").
INSTITUTION_WORDS = _words(
    """
    state states county city town village borough district department dept office agency
    authority board bureau commission committee council division administration court
    courts police university college school academy institute hospital clinic center
    centre health care services service company corporation corp inc incorporated llc llp
    ltd lp co group bank trust fund foundation association society union federal national
    regional municipal government governor's assembly senate house congress legislature
    legislative hall building station street avenue ave road rd boulevard blvd drive lane
    highway hwy route bridge port harbor airport park field museum library theatre theater
    opera church cathedral cemetery center program programs programme project plan act
    law code rule rules policy regulation ordinance report audit contract grant grants
    campus facility prison jail correctional industries industries pharma automotive
    financial insurance energy edison power water gas electric railroad railway ferry
    terminal inlet river bay beach creek lake island mount county's state's shield cross
    army corps navy guard marshals sheriff's attorney's general's inspector's fbi doj epa
    federation department's network alliance coalition pipeline
    municipalidad municipio ilustre gobierno ministerio subsecretaria seremi servicio
    delegacion alcaldia colonia
    direccion departamento oficina unidad corporacion fundacion hogar universidad liceo
    escuela colegio jardin instituto hospital cesfam cecosf sapu consultorio clinica
    cementerio biblioteca museo teatro estadio gimnasio complejo casa centro parque plaza
    avenida av avda calle pasaje camino ruta puente puerto villa poblacion sector barrio
    condominio feria mercado terminal aeropuerto club junta comite cooperativa sindicato
    asociacion agrupacion empresa constructora comercial sociedad inmobiliaria banco
    fondo programa proyecto plan ley decreto resolucion oficio ordenanza reglamento
    contrato convenio licitacion subsidio bono beca premio concurso cuenta presupuesto
    tribunal juzgado fiscalia contraloria superintendencia consejo concejo region comuna
    provincia cuerpo bomberos carabineros policia cruz roja ejercito armada festival
    fiestas dia semana mes ano monumento busto estatua iglesia parroquia capilla templo
    catedral rio estero lago laguna cerro volcan isla bahia playa caleta
    spa ltda limitada eirl sa s.a
    """
)

# Capitalised words that open a request ("Solicito copia...", "Records of..."): never
# part of a name.
SENTENCE_WORDS = _words(
    """
    solicito solicita solicitan requiero requiere quisiera necesito favor copia copias
    informe informacion antecedentes estado listado nomina detalle registro certificado
    reclamo denuncia permiso patente pago pagos sueldos remuneraciones contratos gastos
    monto montos cantidad numero total ingresos matricula obras trabajos mantencion
    dotacion actividades becas tarifas consultas catastro convenio dietas evaluacion
    asistencia integrantes postulacion fiscalizacion documentos verificar enviar llamar
    contactar datos agradecere celular fono whatsapp mi mis yo que quien se por para
    sin con los las el la del de en al una un su sus le les cual cuantos cuando como
    records copies copy all any the a an of for from by to in on at and or with about
    regarding concerning pertaining documents emails email e-mail letter letters
    correspondence communications minutes calendar travel payments payment invoices
    contracts contract applications application grievance investigation witness autopsy
    inspection inspections code complaints complaint disciplinary medicaid unemployment
    building permits lead phone contact reply send please requester requests request my
    own her his their our its files file data press visitor budget expenditures number
    policies guidelines comments scoring information total bond lease job
    enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre
    diciembre january february march april may june july august september october
    november december monday tuesday wednesday thursday friday saturday sunday
    lunes martes miercoles jueves viernes sabado domingo
    """
)

# Honorifics: the capitalised words after one are a person's name ("Sr. Soto",
# "Ms. Martha Austin", "Mr. and Mrs. Kowalski").
HONORIFICS = _words(
    """
    sr sra srta sres sras don dona senor senora senorita dr dra doctor doctora mr mrs ms
    miss mx mister madam prof
    """
)

# Roles whose holder's name follows ("el concejal Juan Soto", "Officer Brennan",
# "teacher Karen Okafor", "Rep. Oluwaseun Rutledge"): any capitalised words after one.
ROLE_CUES = _words(
    """
    funcionario funcionaria funcionarios funcionarias profesor profesora profesores
    concejal concejala concejales vecino vecina vecinos trabajador trabajadora
    trabajadores alumno alumna estudiante inspector inspectora contribuyente
    propietario propietaria prestador prestadora postulante beneficiario beneficiaria
    socio socia
    officer officers judge senator sen rep representative secretary teacher nurse
    inmate detective sergeant sgt trooper councilman councilwoman councilmember
    """
)

# Titles that also head offices and documents ("Attorney General Martha Austin" but
# "Chief Medical Examiner", "Governor's Recommended Budget"): the words after one are
# a name only when one of them is a known given name or surname.
WEAK_ROLE_CUES = _words(
    """
    president governor general attorney deputy chief director superintendent agent
    employee vendor witness plaintiff defendant lieutenant commissioner mayor counsel
    ambassador assistant special justice
    """
)

# Sign-offs and self-introductions before two or more name words ("Atte. Juan Soto",
# "Atentamente, Ana Díaz", "Soy Juan Pérez").
SIGNOFFS = _words("atte atentamente cordialmente saludos sincerely regards soy")

# Lower-case words that introduce a person ("submitted by", "a nombre de", "entre").
NAME_LEAD_WORDS = _words("by between from and y e entre a de contra nombre of to with")

# Titles that may stand inside an institution's name ("Hospital Dr. Gustavo Fricke",
# "Liceo Presidente Eduardo Frei"): skipped when judging what heads a phrase.
INNER_TITLES = _words("dr dra doctor presidente president padre general san santa st")

# Name suffixes after a comma ("Harris B. McDowell, III", "Joseph R. Biden, Jr.").
NAME_SUFFIXES = _words("jr sr ii iii iv")

# Never a name in a name list (the union the list builder filters with).
NOT_NAMES = (
    INSTITUTION_WORDS
    | SENTENCE_WORDS
    | HONORIFICS
    | ROLE_CUES
    | ROLE_WORDS
    | PLACE_WORDS
    | ORG_MARKERS
    | PARTICLES
)
