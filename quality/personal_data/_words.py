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
