"""The synthetic corpus's word lists (generator.py): the words its texts are made of, the names its
people are made from, its types, classifications, languages and places, the patterns its donors,
collections, subjects and archives are named by, and the sentences that carry the benchmark words.
Order is rank: the first of each list is the most frequent."""


def _words(text):
    return text.split()


FUNCTION_WORDS = _words("""the of and to in that is was for on with as by at from this it be are were which
not have has had its their they we our he his will would an or but all been also there these
would should may must other any into more than such only about between over after before""")

CONTENT_WORDS = _words("""government party soviet union committee central comrade question meeting
american chinese military economic political situation people state states war peace forces
minister foreign ministry policy relations cooperation security support proposal agreement
negotiations talks conference council secretary general embassy ambassador report information
development question socialist communist national international world leadership decision
position problem army troops border territory region country countries republic democratic
workers production industry plan trade aid assistance loan credit delivery weapons nuclear
missile atomic treaty alliance bloc western eastern capitalist imperialist struggle revolution
movement congress plenum resolution directive instruction telegram message letter memorandum
conversation discussion exchange views opinion attitude measures steps action response reply
request consent approval refusal demand pressure threat crisis conflict settlement withdrawal
occupation reunification independence sovereignty intervention aggression defense strategy
tactics operation intelligence agents sources data materials documents archive record copy
translation original text content matter issue matters affairs interests friendship unity
solidarity fraternal mutual common joint bilateral multilateral regional global future
present past history period year years month months week days time moment stage phase
process progress results success failure difficulties shortcomings errors mistakes tasks
goals objectives principles basis foundation framework conditions circumstances factors
influence role importance significance attention concern interest hope confidence trust
doubt suspicion hostility tension détente coexistence competition rivalry balance power
strength weakness advantage superiority parity reduction limitation control inspection
verification compliance violation protest note statement declaration communique announcement
press newspaper radio broadcast propaganda campaign public opinion masses population
peasants collective farms grain harvest food supply shortage prices wages budget finance
currency reserves gold oil coal steel machinery equipment factories construction railway
transport port shipping fleet navy air force aircraft submarine division regiment officers
soldiers volunteers advisers specialists experts engineers scientists technicians students
youth women education culture science research technology program project commission
bureau department section office staff personnel cadres members leaders chairman premier
president king prince general marshal admiral colonel captain deputy representative
envoy consul attaché counselor interpreter stenographer minutes draft final version points
paragraph article clause annex protocol appendix enclosure attached following above
mentioned previously already still yet again further however therefore moreover although
because since while during until unless whether either neither both each every several
many much most some few little less least great large small high low new old first last
next second third important necessary possible impossible difficult easy clear certain
serious grave urgent immediate direct indirect open secret confidential personal official
formal informal friendly unfriendly positive negative correct wrong true false real actual
main chief principal basic essential special particular general specific concrete detailed
brief long short full complete partial additional further similar different same whole
entire proper appropriate reasonable acceptable unacceptable favorable unfavorable
said stated declared announced explained noted stressed emphasized pointed remarked replied
answered asked proposed suggested agreed accepted rejected refused considered believed
thought expressed informed reported confirmed denied insisted requested demanded promised
warned threatened welcomed thanked congratulated assured recognized admitted understood
discussed examined studied reviewed approved adopted signed ratified implemented fulfilled
carried received sent delivered transmitted forwarded handed presented submitted prepared
organized established created founded formed appointed elected dismissed arrested released
returned arrived departed visited met invited hosted attended participated represented
""")

FIRST_NAMES = _words("""Ivan Nikolai Andrei Vyacheslav Anastas Georgy Lavrenty Kliment Nikita Leonid
Alexei Mikhail Yuri Dmitri Sergei Vladimir Boris Pavel Fyodor Grigory Zhou Mao Liu Deng Chen
Wang Zhang Li Kang Peng Kim Pak Choe Ho Pham Le Nguyen Vo Walter Erich Otto Wilhelm Konrad
Willy Helmut Klaus Josip Edvard Milovan Wladyslaw Józef Bolesław Mátyás Imre János Ernő
Antonín Klement Gustáv Alexander Enver Mehmet Todor Georgi Vasil Nicolae Gheorghe Ion Harry
Dwight John Robert Dean Henry Averell George Charles Winston Clement Anthony Harold Jawaharlal
Gamal Fidel Ernesto Raúl Sukarno Kwame Patrice Ahmed Hafez Yasser Golda Moshe David Indira
Zulfikar Ayub Muhammad Reza Shah Norodom Souvanna Ngo Jean Pierre Maurice Charles Georges
Konstantin Andrei Ekaterina Valentina Nina Elena Anna Maria Madeleine Eleanor Jiang Song
Chiang Syngman Yoshida Shigeru Nobusuke Hayato Eisaku Kakuei Juan Salvador Augusto Tito
""")

LAST_NAMES = _words("""Stalin Molotov Mikoyan Malenkov Beria Voroshilov Khrushchev Brezhnev Kosygin
Gromyko Andropov Suslov Ponomarev Ustinov Grechko Zhukov Bulganin Kaganovich Vyshinsky Zorin
Dobrynin Semyonov Yudin Chervonenko Puzanov Ignatiev Shtykov Razuvaev Kovalev Roshchin
Zedong Enlai Shaoqi Xiaoping Yi Biao Dehuai Kang Sheng Xiannian Zemin Il-sung Chong-il
Hon-yong Chi Minh Van Dong Giap Duan Ulbricht Honecker Pieck Grotewohl Adenauer Brandt
Gomułka Bierut Cyrankiewicz Gierek Jaruzelski Rákosi Nagy Kádár Gerő Münnich Gottwald
Novotný Dubček Husák Svoboda Tito Kardelj Djilas Ranković Hoxha Shehu Zhivkov Chervenkov
Gheorghiu-Dej Ceaușescu Maurer Truman Eisenhower Kennedy Johnson Nixon Ford Carter Reagan
Acheson Dulles Rusk Kissinger Vance Harriman Kennan Marshall Bohlen Thompson Churchill Attlee
Eden Macmillan Bevin Nehru Nasser Castro Guevara Sukarno Nkrumah Lumumba Ben-Bella Assad
Arafat Meir Dayan Ben-Gurion Gandhi Bhutto Khan Mossadegh Pahlavi Sihanouk Phouma Diem
Monnet Schuman Mendès-France Müller Schröder Dvořák Łukasiewicz Gyárfás Nguyễn Ortega
Allende Pinochet Perón Batista Somoza Arbenz Yoshida Kishi Ikeda Sato Tanaka Rhee Park
Ivanov Petrov Sidorov Smirnov Kuznetsov Popov Sokolov Lebedev Kozlov Novikov Morozov Volkov
Fedorov Mikhailov Belov Tarasov Orlov Kiselev Makarov Andreev Zaitsev Pavlov Semenov Golubev
Vinogradov Bogdanov Vorobyov Frolov Gusev Titov Kuzmin Baranov Medvedev Egorov Nikitin
""")

DOCUMENT_TYPES = """Cable|Memorandum of Conversation|Letter|Report|Telegram|Minutes|Memorandum|
Diary Entry|Speech|Notes|Information|Record of Conversation|Transcript|Intelligence Report|
Directive|Resolution|Draft|Circular|Note Verbale|Instruction|Protocol|Statement|Memoir|
Interview|Study""".replace("\n", "").split("|")

CLASSIFICATIONS = """Secret|Top Secret|Strictly Secret|Confidential|Unclassified|Restricted|
Top Secret — Special Importance|Eyes Only|Limited Official Use|Sensitive|For Official Use Only|
Declassified""".replace("\n", "").split("|")

# Language codes in order of frequency; the migrations create these rows.
LANGUAGES = _words("ru en zh de ko hu pl cs ro bg fr vi ja sr mn es it uk pt fa ar")

DONOR_PATTERNS = [
    "{} Foundation",
    "{} Family Foundation",
    "{} Trust",
    "{} Fund",
    "The {} Institute",
    "{} Charitable Trust",
    "Friends of the {} Archive",
]
COLLECTION_PATTERNS = [
    "The {} Crisis",
    "{} and the Cold War",
    "{} Relations",
    "The {} Files",
    "{}: Origins and Aftermath",
    "Diplomacy of {}",
    "The {} Question",
]
SUBJECT_PATTERNS = ["{}--Foreign relations", "{}--History", "{}--Politics and government", "{}--Economic policy"]
ARCHIVE_PATTERNS = ["Archive of the {}", "{} State Archive", "Central Archive of {}", "{} Party Archive"]
PLACE_SEEDS = _words("""Moscow Beijing Washington London Paris Berlin Bonn Warsaw Prague Budapest Bucharest
Sofia Belgrade Tirana Pyongyang Seoul Hanoi Saigon Tokyo Havana Cairo Delhi Karachi Tehran Baghdad
Damascus Jerusalem Geneva Vienna Helsinki Stockholm Oslo Copenhagen Rome Madrid Lisbon Ankara
Athens Ulaanbaatar Vientiane Phnom-Penh Jakarta Manila Rangoon Colombo Kabul Beirut Amman Algiers
Tunis Rabat Khartoum Addis-Ababa Nairobi Accra Conakry Leopoldville Luanda Maputo Santiago Lima
Buenos-Aires Mexico Caracas Bogota Managua Panama Ottawa Canberra Wellington Shanghai Harbin
Port-Arthur Dairen Leningrad Kiev Minsk Tashkent Vladivostok Dresden Leipzig Krakow Gdansk""")

SYLLABLES = _words("""ka ri no va te lo mi sa du ne po zi ra ko vi le ta mo ru si na de fa gu be lu ro
chi tsa zho kha shi ya yo yu vo bo pa ga di ni ma ke so tu""")

TOPICS = """border question|trade agreement|nuclear tests|armistice talks|economic aid|party congress|
military assistance|peace treaty|refugees|grain deliveries|united front|five-year plan|summit meeting|
disarmament proposals|fishing rights|railway construction|student exchange|oil concession""".replace("\n", "").split(
    "|"
)
VERBS = ["said", "stressed", "noted", "reported", "proposed", "insisted", "replied", "remarked"]
# Sentences that carry the common word; each appears in about half the documents (one of them).
COMMON_SENTENCES = [
    "The {w} arrived on the morning train and was met at the station.",
    "Members of the {w} asked for the text of the draft agreement.",
    "The head of the {w} said that the question would be decided at home.",
    "A {w} of specialists will be sent within the month.",
    "The {w} expressed its thanks for the reception.",
]
RARE_SENTENCE = "Copies of the {w} text were found among the papers of the accused."
